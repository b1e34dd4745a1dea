import { randomUUID } from 'node:crypto';
import { promises as fs, linkSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreDefaults } from './constants';
import { StoreLockTimeoutError } from './errors';
import { tempPathFor } from './atomic-write';
import { tryParseJson } from './json';
import { isProcessAlive } from './process-liveness';

/** Options of a cross-process file lock. */
export interface FileLockOptions {
  /**
   * A lock older than this is abandoned even when its process id looks alive (ids get reused).
   * Must be longer than any critical section.
   * @default StoreDefaults.lockStaleMs (30 s)
   */
  readonly staleMs?: number;
  /** How long to wait for the lock before failing with `StoreLockTimeoutError`. @default StoreDefaults.lockTimeoutMs (60 s) */
  readonly timeoutMs?: number;
  /** Pause between two attempts (a random jitter of up to the same amount is added). @default StoreDefaults.lockRetryMs (10 ms) */
  readonly retryMs?: number;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/**
 * Runs `criticalSection` while holding the lock file `lockPath`, so that processes on this machine
 * (and threads of this one) never run it at the same time for the same path.
 *
 * The lock file is created complete and atomically (`link` of a written temp file, which fails when
 * the lock exists); it is not synced, since it only has to exclude live processes. A lock whose
 * process is dead (same host), that was taken before the machine started, or that is older than
 * `staleMs` is broken: it is renamed aside and deleted only if it is still the exact lock judged stale, so two
 * processes breaking the same stale lock cannot both win.
 *
 * @example
 * await withFileLock('/project/.stepwise/events/run-1.jsonl.lock', async () => appendBatch());
 */
export async function withFileLock<T>(lockPath: string, criticalSection: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = await acquireLock(lockPath, options);
  try {
    return await criticalSection();
  } finally {
    await releaseLock(lockPath, token);
  }
}

/** A lock file held for as long as its holder wants (a lease), e.g. by the writer of a journal. */
export interface HeldFileLock {
  readonly lockPath: string;
  /** Whether the lock file is still ours: someone may break a lock whose holder stayed silent past `staleMs`. Synchronous and cheap (one small read). */
  isHeld(): boolean;
  /** Makes the lock look fresh (its age is its mtime), so it is not broken as stale while its holder lives. */
  refresh(): void;
  /** Deletes the lock file if it is still ours. */
  release(): Promise<void>;
}

/**
 * Takes the lock file `lockPath` and keeps it until `release()`: the same lock as `withFileLock`,
 * for a holder that writes many times (a journal writer) and must not pay for the lock each time.
 * The holder refreshes it while it works; a holder that died is recognised by its process id.
 *
 * @example
 * const lock = await acquireFileLock('/project/.stepwise/checkpoints/run-1.lock');
 * try { appendRecords(); } finally { await lock.release(); }
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<HeldFileLock> {
  const token = await acquireLock(lockPath, options);
  return {
    lockPath,
    isHeld: () => {
      try {
        return readFileSync(lockPath, 'utf8').includes(token);
      } catch {
        return false;
      }
    },
    refresh: () => {
      const now = new Date();
      try {
        utimesSync(lockPath, now, now);
      } catch {
        // Gone: isHeld() says so before the next write.
      }
    },
    release: () => releaseLock(lockPath, token),
  };
}

async function acquireLock(lockPath: string, options: FileLockOptions): Promise<string> {
  const staleMs = options.staleMs ?? StoreDefaults.lockStaleMs;
  const timeoutMs = options.timeoutMs ?? StoreDefaults.lockTimeoutMs;
  const retryMs = options.retryMs ?? StoreDefaults.lockRetryMs;
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), token: randomUUID() };
  // Not synced: a lock only excludes live processes. After a machine crash a lock file may be
  // empty or missing, and one older than the boot is abandoned (see breakIfStale).
  const candidate = tempPathFor(lockPath);
  // Synchronous file calls: a free lock (the usual case) costs a few system calls, not as many
  // trips through the thread pool, each of which costs more than the call itself.
  writeFileSync(candidate, JSON.stringify(owner), { flag: 'wx' });
  const deadline = Date.now() + timeoutMs;
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        // The lock's age is its mtime: after a wait, make it "now", not the time we started waiting.
        if (attempt > 1) {
          const now = new Date();
          utimesSync(candidate, now, now);
        }
        linkSync(candidate, lockPath);
        return owner.token;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (await breakIfStale(lockPath, staleMs)) continue;
      if (Date.now() >= deadline) throw new StoreLockTimeoutError(lockPath, timeoutMs);
      await sleep(retryMs + Math.random() * retryMs);
    }
  } finally {
    rmSync(candidate, { force: true });
  }
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  let owner: LockOwner | undefined;
  try {
    owner = parseOwner(readFileSync(lockPath, 'utf8'));
  } catch {
    owner = undefined;
  }
  // Someone broke our lock because we overran staleMs: the lock now is theirs, leave it.
  if (owner?.token === token) rmSync(lockPath, { force: true });
}

/** Returns true when the lock is gone (broken by us or released meanwhile), so the caller retries at once. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let content: string;
  let modifiedMs: number;
  try {
    [content, modifiedMs] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath).then((stat) => stat.mtimeMs)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const owner = parseOwner(content);
  // No process that took a lock before the machine started can still hold it, whatever the file says.
  const beforeBoot = modifiedMs < Date.now() - os.uptime() * 1000;
  const abandoned = beforeBoot || (owner !== undefined && owner.host === os.hostname() && !isProcessAlive(owner.pid));
  if (!abandoned && Date.now() - modifiedMs <= staleMs) return false;

  const aside = tempPathFor(lockPath);
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = await fs.readFile(aside, 'utf8');
  if (moved !== content) {
    // Another process broke the stale lock first and took a fresh one, which we just moved: put it back.
    await fs.link(aside, lockPath).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
  return moved === content;
}

function parseOwner(content: string): LockOwner | undefined {
  const parsed = tryParseJson(content) as Partial<LockOwner> | undefined;
  if (!parsed || typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.token !== 'string') return undefined;
  return { pid: parsed.pid, host: parsed.host, token: parsed.token };
}

/**
 * Serializes async work per key inside one process, so that callers in the same process queue
 * in memory instead of polling the lock file.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier `run` with the same key has settled. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
