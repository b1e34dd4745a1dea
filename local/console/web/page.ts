import type { AgentsResponse } from '../api-types';

/** A page of the console: its content, its title, and what to stop when the user leaves it. */
export interface Page {
  readonly title: string;
  readonly element: HTMLElement;
  dispose(): void;
}

/** What every page may use from the console's frame. */
export interface ConsoleContext {
  /** Says something in the page's status region (read out by screen readers). */
  notify(message: string, kind?: 'info' | 'error'): void;
  /** The agents, their tools and the execution input schema (fetched once). */
  agents(): Promise<AgentsResponse>;
  /** Goes to another page. */
  navigate(hash: string): void;
}

/**
 * Calls `task` now and then every `intervalMs` until stopped, never overlapping itself, so a slow
 * engine is not flooded; errors go to `onError` and polling goes on.
 */
export function poll(task: () => Promise<void>, intervalMs: () => number, onError: (error: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      await task();
    } catch (error) {
      if (!stopped) onError(error);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs());
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
