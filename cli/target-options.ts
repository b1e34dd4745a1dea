import type { CliEnvironment } from './environment';
import { UsageError } from './errors';
import { DEFAULT_LOCAL_ENDPOINT, awsTarget, localTarget, type Target } from './target';

/** The flags every engine command understands. */
export const targetFlags = {
  target: { type: 'string' },
  endpoint: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
} as const;

export const targetUsage = '[--target local|aws] [--endpoint URL] [--stack NAME] [--region R]';

/** Picks the local engine (default) or a deployed stack from the flags. */
export function resolveTarget(values: { target?: string; endpoint?: string; stack?: string; region?: string }, env: CliEnvironment): Target {
  const kind = values.target ?? (values.stack ? 'aws' : 'local');
  if (kind === 'local') return localTarget(values.endpoint ?? env.endpoint ?? DEFAULT_LOCAL_ENDPOINT);
  if (kind === 'aws') return awsTarget(values.stack ?? 'Stepwise', values.region);
  throw new UsageError(`--target must be local or aws (got "${kind}")`);
}
