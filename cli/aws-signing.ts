import type { AwsCredentialIdentity } from '@smithy/types';
import { signRequest } from '../framework/aws/sigv4';

/** A request to sign: a GET without a body, as the event stream sends it. */
export interface SignableRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

/** Returns the headers to send with `request`, the signature's among them. */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

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
  return async ({ url, headers }) =>
    signRequest(
      // The path as it goes on the wire (percent-encoded); the signer encodes it once more, as AWS does.
      { method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...headers, host: url.host } },
      { service: options.service, region: options.region, credentials: await options.credentials() },
    );
}
