import { Defaults } from '../constants';
import type { LedgerEntry } from '../run-state';

/** The text the model sees for a result: the whole of it when small, a preview when large. */
export function previewOf(result: unknown, callId: string, limit: number = Defaults.observationPreviewChars): string {
  const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n[... ${text.length - limit} more characters cut from this preview; the full result is kept in the run state under call ${callId}]`;
}

/** What the model is told about a ledger entry once it is settled. */
export function observationFor(entry: LedgerEntry, limit?: number): string {
  switch (entry.status) {
    case 'completed':
      return previewOf(entry.result, entry.callId, limit);
    case 'rejected':
      return `rejected by human operator: ${entry.approval?.reason ?? 'no reason given'}`;
    case 'failed':
      return `Error: ${entry.error?.message ?? 'the tool failed'}`;
    default:
      return `Error: the call ${entry.callId} did not finish`;
  }
}
