import { ExecutionStatus } from '../constants';

/**
 * What the engine store checks of the files it reads back at start: enough of each record's shape
 * that recovery can rely on it, so a damaged file is reported by name instead of failing later
 * with a TypeError (or, worse, being acted on).
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const TASK_STATUSES = new Set(['waiting', 'succeeded', 'failed', 'timed_out', 'cancelled']);
const EXECUTION_STATUSES = new Set<string>(Object.values(ExecutionStatus));

function missing(record: Record<string, unknown>, fields: Record<string, 'string' | 'number'>): string | undefined {
  const wrong = Object.entries(fields).filter(([field, type]) => typeof record[field] !== type);
  return wrong.length === 0 ? undefined : wrong.map(([field, type]) => `"${field}" is not a ${type}`).join(', ');
}

/** `execution.json`: an execution record. */
export function checkExecutionRecord(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an execution record (not a JSON object)';
  const problem = missing(value, { executionArn: 'string', stateMachineArn: 'string', stateMachineName: 'string', name: 'string', input: 'string', startDate: 'number', redriveCount: 'number' });
  if (problem) return `not an execution record (${problem})`;
  if (value.codeVersion !== undefined && typeof value.codeVersion !== 'string') return 'not an execution record ("codeVersion" is not a string)';
  if (!EXECUTION_STATUSES.has(value.status as string)) return `not an execution record (status ${JSON.stringify(value.status)} is none of ${[...EXECUTION_STATUSES].join(', ')})`;
  return undefined;
}

/** `tasks.json`: the execution's task tokens. */
export function checkTaskRecords(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'not a list of task records';
  for (const [index, task] of value.entries()) {
    if (!isObject(task)) return `task ${index} is not a JSON object`;
    const problem = missing(task, { token: 'string', executionArn: 'string', stateName: 'string', taskKey: 'string', segment: 'number', kind: 'string', resource: 'string', scheduledAt: 'number' });
    if (problem) return `task ${index} is not a task record (${problem})`;
    if (!TASK_STATUSES.has(task.status as string)) return `task ${index} has status ${JSON.stringify(task.status)}, none of ${[...TASK_STATUSES].join(', ')}`;
  }
  return undefined;
}

/** One line of `history.jsonl`: the event numbered `index + 1` (ids start at 1 and have no gaps). */
export function checkHistoryEvent(value: unknown, index: number): string | undefined {
  if (!isObject(value)) return 'not a history event (not a JSON object)';
  const problem = missing(value, { id: 'number', type: 'string', timestamp: 'number' });
  if (problem) return `not a history event (${problem})`;
  if (value.id !== index + 1) return `it holds event id ${String(value.id)} where ${index + 1} belongs (a line is missing or out of order)`;
  return undefined;
}
