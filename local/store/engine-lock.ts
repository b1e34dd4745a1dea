import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../../framework/stores/process-liveness';
import { LocalEngineConfigError } from '../errors';

/** The lock that makes one engine the only owner of a state folder while it runs. */
export interface EngineLock {
  /** Records the engine's endpoint, so a second engine can say where the first one answers. */
  announce(endpoint: string): void;
  release(): void;
}

interface LockContent {
  readonly pid: number;
  readonly endpoint?: string;
}

/**
 * Takes `<root>/engine/engine.lock`. Two engines on one folder would each take the other's live
 * executions for leftovers of a crash and rewrite them, so a second engine is refused while the
 * owner's process lives; a lock left by a dead process is taken over.
 */
export function acquireEngineLock(root: string): EngineLock {
  const file = path.join(root, 'engine', 'engine.lock');
  mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const descriptor = openSync(file, 'wx');
      writeSync(descriptor, JSON.stringify({ pid: process.pid } satisfies LockContent));
      closeSync(descriptor);
      return {
        announce: (endpoint) => writeFileSync(file, JSON.stringify({ pid: process.pid, endpoint } satisfies LockContent)),
        release: () => {
          try {
            unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner && isProcessAlive(owner.pid)) {
        const where = owner.endpoint ? ` at ${owner.endpoint}` : '';
        throw new LocalEngineConfigError(
          `Another Stepwise engine (process ${owner.pid}${where}) is using ${root}. Talk to it${owner.endpoint ? ` with --endpoint ${owner.endpoint}` : ''}, or stop it first.`,
          { field: 'root' },
        );
      }
      unlinkSync(file); // its process is gone: a leftover of a crash
    }
  }
  throw new LocalEngineConfigError(`Could not take the engine lock ${file}; another engine is starting on ${root}.`, { field: 'root' });
}

function readOwner(file: string): LockContent | undefined {
  try {
    const content = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof content.pid === 'number' ? { pid: content.pid, endpoint: content.endpoint } : undefined;
  } catch {
    return undefined; // half-written by an engine that is starting or crashed while starting
  }
}
