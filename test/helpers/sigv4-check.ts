import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { NodeSha256 } from './node-sha256';

/** Who must have signed a request, for what, and the body that arrived with it. */
export interface ExpectedSignature {
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
  /** @default none (a GET) */
  readonly body?: Buffer;
}

/**
 * Recomputes a request's SigV4 signature from what arrived on the wire with the AWS SDK's own
 * signer, the way AWS does: undefined when it matches, else why the request would be refused.
 */
export async function signatureProblem(request: IncomingMessage, expected: ExpectedSignature): Promise<string | undefined> {
  const authorization = request.headers.authorization;
  if (!authorization) return 'no Authorization header (the request is not signed)';
  const parsed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(authorization);
  if (!parsed) return `an Authorization header that is not SigV4: ${authorization}`;
  const [, accessKeyId, , region, service, signedHeaders] = parsed;
  if (accessKeyId !== expected.credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  if (service !== expected.service || region !== expected.region) return `signed for ${service} in ${region}, not ${expected.service} in ${expected.region}`;
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const url = new URL(request.url!, `http://${request.headers.host}`);
  const headers = Object.fromEntries(signedHeaders.split(';').map((name) => [name, String(request.headers[name] ?? '')]));
  const signer = new SignatureV4({ service, region, credentials: expected.credentials, sha256: NodeSha256 });
  const signed = await signer.sign(
    {
      method: request.method!,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(expected.body ? { body: expected.body } : {}),
    },
    { signingDate },
  );
  return signed.headers.authorization === authorization ? undefined : 'the signature does not match the request that arrived';
}
