import { readFile } from 'node:fs/promises';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ConfigDefinitionError, CredentialsUnavailableError } from '../errors';
import { httpExchange } from './http-exchange';

/** Returns credentials that are valid for a while yet; cached, and fetched again before they expire. */
export type CredentialsProvider = () => Promise<AwsCredentialIdentity>;

/** How credentials are found and kept (the AWS SDK's own figures). */
export const CredentialDefaults = {
  /** Credentials are fetched again this long before they expire. */
  refreshBeforeExpiryMs: 5 * 60_000,
  /** The container credentials endpoint of ECS and Fargate, for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. */
  containerEndpoint: 'http://169.254.170.2',
  /** One request to the container credentials endpoint. */
  containerTimeoutMs: 1_000,
  /** Attempts at the container credentials endpoint before giving up. */
  containerAttempts: 3,
} as const;

/** Plain-HTTP hosts the credentials may come from with `AWS_CONTAINER_CREDENTIALS_FULL_URI` (ECS, EKS Pod Identity, loopback), as the SDK allows. */
const CONTAINER_HTTP_HOSTS = new Set(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost', '[::1]']);

/** What the container credentials endpoint answers. */
interface ContainerCredentials {
  readonly AccessKeyId?: unknown;
  readonly SecretAccessKey?: unknown;
  readonly Token?: unknown;
  readonly Expiration?: unknown;
}

/**
 * The credentials of the standard AWS configuration, found in the AWS SDK's order, with the two
 * sources a container has read without loading the SDK:
 * 1. `AWS_PROFILE` set: that profile, through the SDK's default chain (as the SDK does, the keys in
 *    the environment are then not used);
 * 2. `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`);
 * 3. the container credentials endpoint (ECS and Fargate task roles: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`,
 *    or `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`);
 * 4. anything else (the default profile's files, SSO, web identity, the EC2 instance role): the
 *    SDK's default chain, loaded then.
 *
 * @example
 * const credentials = awsCredentials(process.env);
 * const { accessKeyId } = await credentials();
 */
export function awsCredentials(env: NodeJS.ProcessEnv): CredentialsProvider {
  return cached(credentialSource(env));
}

function credentialSource(env: NodeJS.ProcessEnv): CredentialsProvider {
  if (env.AWS_PROFILE) return sdkDefaultChain(env.AWS_PROFILE);
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
    const identity: AwsCredentialIdentity = {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
    };
    return async () => identity;
  }
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return containerCredentials(env);
  return sdkDefaultChain();
}

/** The AWS SDK's default credential chain (`@aws-sdk/credential-provider-node`), loaded on first use; besides `profile`, it reads the process's own environment and files. */
function sdkDefaultChain(profile?: string): CredentialsProvider {
  let provider: CredentialsProvider | undefined;
  return () => {
    provider ??= (require('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node')).defaultProvider(profile ? { profile } : {});
    return provider();
  };
}

/** Keeps the last credentials until they are about to expire; one fetch at a time. */
function cached(source: CredentialsProvider): CredentialsProvider {
  let held: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (identity: AwsCredentialIdentity): boolean =>
    identity.expiration === undefined || identity.expiration.getTime() - Date.now() > CredentialDefaults.refreshBeforeExpiryMs;
  return async () => {
    if (held && fresh(held)) return held;
    pending ??= source()
      .then((identity) => (held = identity))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** Where the container credentials endpoint is, checked as the SDK checks it: plain HTTP only to the task's own endpoints. */
function containerCredentialsUrl(env: NodeJS.ProcessEnv): URL {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (relative) {
    // Joined as text, as the SDK joins it: always a path on the endpoint (`new URL(relative, base)`
    // would let `//host/…` name another host).
    return new URL(`${CredentialDefaults.containerEndpoint}${relative.startsWith('/') ? '' : '/'}${relative}`);
  }
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw new ConfigDefinitionError(`AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL: ${full}`, { field: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' });
  }
  // 127.0.0.0/8 as an address (four numbers), not a host name that merely starts with "127.".
  const loopback = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && (loopback || CONTAINER_HTTP_HOSTS.has(url.hostname)))) return url;
  throw new ConfigDefinitionError(
    `AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to loopback or the container credentials endpoints (169.254.170.2, 169.254.170.23, fd00:ec2::23): ${full}`,
    { field: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' },
  );
}

function containerCredentials(env: NodeJS.ProcessEnv): CredentialsProvider {
  return async () => {
    const url = containerCredentialsUrl(env);
    const headers: Record<string, string> = {};
    const token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
      ? (await readFile(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8')).trim()
      : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    if (token) headers.authorization = token;
    let lastError: unknown;
    for (let attempt = 1; attempt <= CredentialDefaults.containerAttempts; attempt += 1) {
      try {
        const response = await httpExchange(url, { method: 'GET', headers, signal: AbortSignal.timeout(CredentialDefaults.containerTimeoutMs) });
        const body = response.body.toString('utf8');
        if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
        return identityOf(JSON.parse(body) as ContainerCredentials, url);
      } catch (error) {
        lastError = error;
        if (error instanceof ConfigDefinitionError) throw error;
      }
    }
    // The endpoint is the platform's: its silence or its errors pass, and the workflow runs the turn again.
    throw new CredentialsUnavailableError(`No credentials from the container credentials endpoint ${url.origin}${url.pathname} after ${CredentialDefaults.containerAttempts} attempts: ${(lastError as Error)?.message ?? String(lastError)}`, {
      cause: lastError,
    });
  };
}

function identityOf(answer: ContainerCredentials, url: URL): AwsCredentialIdentity {
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = answer;
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string') {
    throw new ConfigDefinitionError(`The container credentials endpoint ${url.origin}${url.pathname} answered without AccessKeyId and SecretAccessKey`, { field: 'taskRole' });
  }
  const expiration = typeof Expiration === 'string' ? new Date(Expiration) : undefined;
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof Token === 'string' ? { sessionToken: Token } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}
