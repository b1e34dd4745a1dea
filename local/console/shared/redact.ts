/**
 * Task tokens are the keys that decide approvals and end turns; the console never shows them. The
 * AWS-shaped history carries them (in the container's environment overrides and the approval
 * payload), so the history view passes every value through `redactTaskTokens` first.
 *
 * No DOM and no Node APIs: this file is bundled into the console's script.
 */

/** What a task token is replaced with. */
export const REDACTED_TOKEN = '(task token hidden)';

const TOKEN_KEYS = new Set(['taskToken', 'TaskToken', 'STEPWISE_TASK_TOKEN']);
/** The engine's tokens (`swt1.` + base64url); AWS tokens are opaque, so keys decide there. */
const LOCAL_TOKEN = /swt1\.[A-Za-z0-9_-]{16,}/g;

/**
 * A copy of `value` without task tokens: values under token keys, `{ Name: 'STEPWISE_TASK_TOKEN',
 * Value }` environment pairs, engine tokens anywhere in strings, and JSON documents inside strings.
 *
 * @example
 * redactTaskTokens({ taskToken: 'swt1.abc…', executionArn: 'arn:…' });
 * // { taskToken: '(task token hidden)', executionArn: 'arn:…' }
 */
export function redactTaskTokens(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(redactTaskTokens);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const tokenPair = typeof record.Name === 'string' && TOKEN_KEYS.has(record.Name);
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    copy[key] = TOKEN_KEYS.has(key) || (tokenPair && key === 'Value') ? REDACTED_TOKEN : redactTaskTokens(child);
  }
  return copy;
}

function redactString(text: string): string {
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && trimmed.length > 1) {
    try {
      return JSON.stringify(redactTaskTokens(JSON.parse(trimmed)));
    } catch {
      // Not JSON after all: fall through to the plain-text rule.
    }
  }
  return text.replace(LOCAL_TOKEN, REDACTED_TOKEN);
}
