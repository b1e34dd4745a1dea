import { LocalDefaults, SfnErrorCode } from '../constants';
import { sfnError } from '../errors';

/** One page of `items` for `maxResults` and an opaque `nextToken` (the offset, encoded). */
export function paginate<T>(items: readonly T[], maxResults: unknown, nextToken: unknown): { page: T[]; nextToken?: string } {
  const limit = maxResults === undefined || maxResults === 0 ? LocalDefaults.maxResults : Number(maxResults);
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw sfnError(SfnErrorCode.ValidationException, 'maxResults must be between 0 and 1000');
  let offset = 0;
  if (nextToken !== undefined && nextToken !== null) {
    const decoded = typeof nextToken === 'string' ? Number(Buffer.from(nextToken, 'base64url').toString('utf8')) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0) throw sfnError(SfnErrorCode.InvalidToken, `Invalid Token: '${String(nextToken)}'`);
    offset = decoded;
  }
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}
