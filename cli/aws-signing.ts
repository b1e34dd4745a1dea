import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';

/** A request to sign: a GET without a body, as the event stream sends it. */
export interface SignableRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

/** Returns the headers to send with `request`, the signature's among them. */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 (or HMAC-SHA-256 with a secret) from node:crypto, in the shape the SigV4 signer expects. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  update(data: Uint8Array): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}

/**
 * The region of a Lambda function URL (`https://<id>.lambda-url.<region>.on.aws/`), if the URL is one.
 *
 * @example
 * functionUrlRegion(new URL('https://abc.lambda-url.eu-west-1.on.aws/')); // 'eu-west-1'
 */
export function functionUrlRegion(url: URL): string | undefined {
  return /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname)?.[1];
}

/**
 * Signs requests with AWS Signature Version 4, as IAM-authorized endpoints (a Lambda function URL
 * with `AWS_IAM` auth: service `lambda`) require. The credentials come from the caller, usually the
 * standard chain an SDK client already resolved (environment, profile, SSO, instance role).
 *
 * @example
 * const sign = sigV4Signer({ service: 'lambda', region: 'eu-west-1', credentials: () => sfn.config.credentials() });
 * const headers = await sign({ url, headers: { accept: 'text/event-stream' } });
 */
export function sigV4Signer(options: { service: string; region: string; credentials: () => Promise<AwsCredentialIdentity> }): RequestSigner {
  const signer = new SignatureV4({ service: options.service, region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  return async ({ url, headers }) => {
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      // The path as it goes on the wire (percent-encoded); the signer encodes it once more, as AWS does.
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
    });
    return signed.headers as Record<string, string>;
  };
}
