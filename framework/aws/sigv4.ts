import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';

/** A request as it is signed: what goes on the wire, before the signature's headers. */
export interface SigV4Request {
  readonly method: string;
  /** The path as it goes on the wire (percent-encoded). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Names in any case; all are signed but those proxies may change (`user-agent`, …); `host` must be among them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** Where and by whom the request is signed. */
export interface SigV4Scope {
  /** The service's signing name, e.g. `states`, `lambda`. */
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
  /** @default now */
  readonly date?: Date;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it: `encodeURIComponent` plus `!'()*`. */
const escapeUri = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

/** The canonical path of a service other than S3: normalized, then encoded once more (AWS encodes the wire path twice). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** Headers never signed (the AWS SDK's list): proxies and agents may change them on the way. */
const UNSIGNED_HEADERS = new Set(['authorization', 'user-agent', 'connection', 'expect', 'x-amzn-trace-id', 'content-length']);

/**
 * A query as SigV4 encodes it, keys sorted: also what to send on the wire, so the service reads the
 * very values that were signed.
 */
export function queryString(query: Readonly<Record<string, string>> = {}): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${escapeUri(key)}=${escapeUri(query[key])}`)
    .join('&');
}

/**
 * Signs a request with AWS Signature Version 4 (header authorization, signed payload): returns its
 * headers with `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (temporary
 * credentials) and `authorization` added; headers proxies may change (`user-agent`, `connection`,
 * …) are sent but not signed. The tests check it against the AWS SDK's own signer
 * (`@smithy/signature-v4`), which is how AWS recomputes a signature.
 *
 * @example
 * const headers = signRequest({ method: 'POST', path: '/', headers: { host: 'states.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.0' }, body },
 *   { service: 'states', region: 'eu-west-1', credentials });
 */
export function signRequest(request: SigV4Request, scope: SigV4Scope): Record<string, string> {
  const iso = (scope.date ?? new Date()).toISOString();
  const amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (name.toLowerCase() !== 'authorization') headers[name.toLowerCase()] = value;
  const payloadHash = sha256Hex(request.body ?? '');
  headers['x-amz-date'] = amzDate;
  // As the AWS SDK's signer sends it; services other than S3 accept it without needing it.
  headers['x-amz-content-sha256'] = payloadHash;
  if (scope.credentials.sessionToken) headers['x-amz-security-token'] = scope.credentials.sessionToken;
  const names = Object.keys(headers)
    .filter((name) => !UNSIGNED_HEADERS.has(name))
    .sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [request.method, canonicalPath(request.path), queryString(request.query), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${scope.credentials.secretAccessKey}`, day), scope.region), scope.service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
