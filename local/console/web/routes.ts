/** The console's pages, addressed by the URL fragment (`#/runs/<arn>`), so the engine serves one page. */

export type Route =
  | { readonly page: 'runs'; readonly status?: string; readonly agent?: string }
  | { readonly page: 'start'; readonly agent?: string }
  | { readonly page: 'run'; readonly executionArn: string }
  | { readonly page: 'approvals' };

export const runHref = (executionArn: string): string => `#/runs/${encodeURIComponent(executionArn)}`;

export function runsHref(filters: { status?: string; agent?: string } = {}): string {
  const query = new URLSearchParams();
  if (filters.status) query.set('status', filters.status);
  if (filters.agent) query.set('agent', filters.agent);
  const text = query.toString();
  return `#/runs${text ? `?${text}` : ''}`;
}

/** Reads the fragment; anything unknown is the runs list. */
export function parseRoute(hash: string): Route {
  const [path, queryText = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryText);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts[1]) {
    try {
      return { page: 'run', executionArn: decodeURIComponent(parts.slice(1).join('/')) };
    } catch {
      return { page: 'runs' };
    }
  }
  if (parts[0] === 'start') return { page: 'start', agent: query.get('agent') ?? undefined };
  if (parts[0] === 'approvals') return { page: 'approvals' };
  return { page: 'runs', status: query.get('status') ?? undefined, agent: query.get('agent') ?? undefined };
}
