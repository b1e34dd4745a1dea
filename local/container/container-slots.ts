import os from 'node:os';
import { ContainerCapDefaults } from '../constants';
import { LocalEngineConfigError } from '../errors';

/** A slot taken: give it back once the container exited. */
export interface ContainerSlot {
  release(): void;
}

/**
 * How many containers the engine runs at once unless told: half the machine's free memory at
 * `ContainerCapDefaults.memoryBudgetBytes` each, at most `containersPerCpu` per CPU, at least 1.
 *
 * @example
 * const slots = new ContainerSlots(defaultMaxContainers()); // e.g. 8 on a 2-CPU machine with 4 GB free
 */
export function defaultMaxContainers(machine: { freeMemoryBytes: number; cpus: number } = { freeMemoryBytes: os.freemem(), cpus: os.availableParallelism() }): number {
  const byMemory = Math.floor((machine.freeMemoryBytes * ContainerCapDefaults.freeMemoryShare) / ContainerCapDefaults.memoryBudgetBytes);
  return Math.max(1, Math.min(byMemory, machine.cpus * ContainerCapDefaults.containersPerCpu));
}

/** Checks a configured cap, naming where it came from. */
export function assertMaxContainers(value: unknown, field = 'maxContainers'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new LocalEngineConfigError(`${field} must be a whole number of containers, 1 or more (got ${JSON.stringify(value)})`, { field });
  }
  return value;
}

/**
 * The engine's container slots: at most `max` containers run at once, and the others wait in
 * line, first come first served, so load turns into waiting rather than memory exhaustion. A
 * waiter whose task closes (its signal aborts) leaves the line.
 *
 * @example
 * const slot = await slots.acquire(signal);
 * if (slot) try { await runContainer(); } finally { slot.release(); }
 */
export class ContainerSlots {
  private running = 0;
  private readonly line: { grant: (slot: ContainerSlot | undefined) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly max: number) {
    assertMaxContainers(max);
  }

  /** Containers running now. */
  get active(): number {
    return this.running;
  }

  /** Containers waiting for a slot. */
  get waiting(): number {
    return this.line.length;
  }

  /** Resolves with a slot once one is free, or `undefined` if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<ContainerSlot | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.running < this.max && this.line.length === 0) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      const waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const index = this.line.indexOf(waiter);
          if (index >= 0) this.line.splice(index, 1);
          resolve(undefined);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.line.push(waiter);
    });
  }

  private take(): ContainerSlot {
    this.running += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running -= 1;
        this.next();
      },
    };
  }

  private next(): void {
    while (this.running < this.max && this.line.length > 0) {
      const waiter = this.line.shift()!;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.grant(this.take());
    }
  }
}
