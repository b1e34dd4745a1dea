import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreLockTimeoutError, withFileLock } from '../../../framework/stores';

let directory: string;
let lockPath: string;

beforeEach(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-lock-'));
  lockPath = path.join(directory, 'thing.lock');
});

afterEach(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

async function pidOfExitedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

async function writeForeignLock(pid: number, token: string): Promise<void> {
  await fs.writeFile(lockPath, JSON.stringify({ pid, host: os.hostname(), token }));
}

describe('withFileLock', () => {
  it('takes over a lock left by a process that no longer exists', async () => {
    // Prepare
    await writeForeignLock(await pidOfExitedProcess(), 'dead-owner');
    // Act
    const result = await withFileLock(lockPath, async () => 'ran', { timeoutMs: 5_000 });
    // Assess
    expect(result).toBe('ran');
    await expect(fs.access(lockPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('waits for a live owner and gives up with a clear error, leaving its lock alone', async () => {
    // Prepare
    await writeForeignLock(process.pid, 'live-owner');
    // Act
    const attempt = withFileLock(lockPath, async () => 'ran', { timeoutMs: 50, staleMs: 60_000 });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StoreLockTimeoutError);
    await expect(attempt).rejects.toThrow(/delete the lock file/);
    await expect(fs.readFile(lockPath, 'utf8')).resolves.toContain('live-owner');
  });

  it('takes over at once a lock taken before the machine started, even an empty one (its content was never synced)', async () => {
    // Prepare: what a power cut can leave, with a staleness window far longer than the test
    await fs.writeFile(lockPath, '');
    const beforeBoot = new Date(Date.now() - os.uptime() * 1000 - 60_000);
    await fs.utimes(lockPath, beforeBoot, beforeBoot);
    // Act
    const result = await withFileLock(lockPath, async () => 'ran', { timeoutMs: 200, staleMs: 30 * 86_400_000 });
    // Assess
    expect(result).toBe('ran');
  });

  it('takes over a lock older than staleMs even when its process id is in use', async () => {
    // Prepare
    await writeForeignLock(process.pid, 'hung-owner');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(lockPath, anHourAgo, anHourAgo);
    // Act
    const result = await withFileLock(lockPath, async () => 'ran', { timeoutMs: 5_000, staleMs: 1_000 });
    // Assess
    expect(result).toBe('ran');
  });

  it('runs critical sections on the same lock one at a time', async () => {
    // Prepare
    let inside = 0;
    let mostInside = 0;
    const section = async (): Promise<void> => {
      inside += 1;
      mostInside = Math.max(mostInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inside -= 1;
    };
    // Act
    await Promise.all(Array.from({ length: 6 }, () => withFileLock(lockPath, section, { retryMs: 1 })));
    // Assess
    expect(mostInside).toBe(1);
  });

  it('releases the lock when the critical section throws', async () => {
    // Act
    await expect(withFileLock(lockPath, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // Assess
    await expect(withFileLock(lockPath, async () => 'again', { timeoutMs: 100 })).resolves.toBe('again');
    expect(await fs.readdir(directory)).toEqual([]);
  });
});
