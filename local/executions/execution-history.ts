import type { HistoryEvent, NewHistoryEvent } from './history-event';

/** The history of one execution: numbers events, keeps them in memory and persists each one as it happens. */
export class ExecutionHistory {
  private readonly events: HistoryEvent[];

  constructor(
    private readonly persist: (event: HistoryEvent) => void,
    loaded: readonly HistoryEvent[] = [],
  ) {
    this.events = [...loaded];
  }

  record(event: NewHistoryEvent, timestamp = Date.now()): HistoryEvent {
    const previous = this.events[this.events.length - 1];
    const numbered: HistoryEvent = { timestamp, id: (previous?.id ?? 0) + 1, previousEventId: previous?.id ?? 0, ...event };
    this.events.push(numbered);
    this.persist(numbered);
    return numbered;
  }

  all(): readonly HistoryEvent[] {
    return this.events;
  }
}
