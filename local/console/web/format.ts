/** How the console writes times, durations, money and statuses. */

/** Execution statuses in words (the status is always written, never shown by colour alone). */
export const EXECUTION_STATUS_LABEL: Record<string, string> = {
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  TIMED_OUT: 'Timed out',
  ABORTED: 'Stopped',
  PENDING_REDRIVE: 'Pending redrive',
};

export const EXECUTION_STATUSES = Object.keys(EXECUTION_STATUS_LABEL);

export const statusLabel = (status: string): string => EXECUTION_STATUS_LABEL[status] ?? status;

/** `1 h 2 min`, `3 min 4 s`, `5.2 s`, `120 ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 1_440) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / 1_440)} d ${Math.floor((minutes % 1_440) / 60)} h`;
}

/** A local date and time, to the second. */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** US dollars with enough digits for small model bills; `null` is a run whose model has no price. */
export function formatUsd(amount: number | null): string {
  if (amount === null) return 'unpriced';
  if (!Number.isFinite(amount)) return '–';
  return amount === 0 ? '$0.00' : amount < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

export const formatCount = (value: number): string => new Intl.NumberFormat('en').format(value);
