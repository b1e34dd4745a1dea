import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialDefaults, awsCredentials, stepFunctionsApi } from '../../../framework/aws';
import { ConfigDefinitionError, CredentialsUnavailableError } from '../../../framework/errors';
import { WIRE_CREDENTIALS, startAwsWireFake, type AwsWireFake } from '../../helpers/aws-wire-fake';
import { answerJson, startLocalServer, type LocalServer } from './local-server';
import { rejectionOf } from '../../helpers/rejection';
import { isolateEnv } from '../../helpers/isolated-env';

const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

/** What the ECS container credentials endpoint answers for a task role. */
function roleCredentials(expiresInMinutes: number, accessKeyId = 'ASIATASKROLE') {
  return { AccessKeyId: accessKeyId, SecretAccessKey: 'task-role-secret', Token: 'task-role-session-token', Expiration: inMinutes(expiresInMinutes), RoleArn: 'arn:aws:iam::000000000000:role/task' };
}

/** A container credentials endpoint that answers each request with `answer(index)`. */
function credentialsEndpoint(answer: (index: number) => { status: number; body: unknown }): Promise<LocalServer> {
  return startLocalServer((_request, response, index) => {
    const { status, body } = answer(index);
    answerJson(response, status, body);
  });
}


let server: LocalServer | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await server?.close();
  server = undefined;
});

describe('credentials from the environment', () => {
  it('uses the access key, secret, session token and expiration of the environment as given', async () => {
    const credentials = awsCredentials({
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-session',
      AWS_CREDENTIAL_EXPIRATION: '2031-05-01T12:00:00Z',
    });

    await expect(credentials()).resolves.toEqual({
      accessKeyId: 'AKIDENV',
      secretAccessKey: 'env-secret',
      sessionToken: 'env-session',
      expiration: new Date('2031-05-01T12:00:00Z'),
    });
  });

  it('sends no session token when the environment has none', async () => {
    const identity = await awsCredentials({ AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' })();

    expect(identity).toEqual({ accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret' });
  });

  it('prefers the keys of the environment to the container credentials endpoint', async () => {
    server = await credentialsEndpoint(() => ({ status: 200, body: roleCredentials(60) }));

    const identity = await awsCredentials({
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`,
    })();

    expect(identity.accessKeyId).toBe('AKIDENV');
    expect(server.received).toHaveLength(0);
  });

  describe('at the wire', () => {
    let fake: AwsWireFake;
    beforeAll(async () => {
      fake = await startAwsWireFake();
    });
    afterAll(() => fake.close());
    beforeEach(() => fake.reset());

    it('signs with the session token of the environment, which the service receives as x-amz-security-token', async () => {
      await stepFunctionsApi({ ...fake.env, AWS_SESSION_TOKEN: 'session-from-env' }).sendTaskHeartbeat('token-1');

      expect(fake.refused).toEqual([]);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0].headers['x-amz-security-token']).toBe('session-from-env');
      expect(fake.requests[0].headers.authorization).toContain(`Credential=${WIRE_CREDENTIALS.accessKeyId}/`);
    });

    it('signs with the task role the container credentials endpoint hands out', async () => {
      server = await credentialsEndpoint(() => ({
        status: 200,
        body: { AccessKeyId: WIRE_CREDENTIALS.accessKeyId, SecretAccessKey: WIRE_CREDENTIALS.secretAccessKey, Token: 'role-session', Expiration: inMinutes(60) },
      }));
      const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = fake.env;

      await stepFunctionsApi({ ...withoutKeys, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ecs-auth' }).sendTaskHeartbeat('token-1');

      expect(server.received).toHaveLength(1);
      expect(fake.refused).toEqual([]);
      expect(fake.requests[0].headers['x-amz-security-token']).toBe('role-session');
      expect(fake.actions).toEqual([{ action: 'SendTaskHeartbeat', input: { taskToken: 'token-1' } }]);
    });
  });
});

describe('the container credentials endpoint', () => {
  it('fetches the credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN as the Authorization header', async () => {
    const answer = roleCredentials(60);
    server = await credentialsEndpoint(() => ({ status: 200, body: answer }));

    const identity = await awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer ecs-agent-token' })();

    expect(identity).toEqual({
      accessKeyId: answer.AccessKeyId,
      secretAccessKey: answer.SecretAccessKey,
      sessionToken: answer.Token,
      expiration: new Date(answer.Expiration),
    });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ method: 'GET', path: '/creds' });
    expect(server.received[0].headers.authorization).toBe('Bearer ecs-agent-token');
  });

  it('reads the Authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, trimmed, in preference to AWS_CONTAINER_AUTHORIZATION_TOKEN', async () => {
    server = await credentialsEndpoint(() => ({ status: 200, body: roleCredentials(60) }));
    const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'stepwise-creds-')), 'token');
    writeFileSync(tokenFile, 'token-from-the-file\n');

    await awsCredentials({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'token-from-the-variable',
    })();

    expect(server.received.map((request) => request.headers.authorization)).toEqual(['token-from-the-file']);
  });

  it('sends no Authorization header when no token is configured', async () => {
    server = await credentialsEndpoint(() => ({ status: 200, body: roleCredentials(60) }));

    await awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` })();

    expect(server.received).toHaveLength(1);
    expect(server.received[0].headers.authorization).toBeUndefined();
  });

  it('asks the ECS endpoint http://169.254.170.2 for AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', async () => {
    // No network here: the request is stopped at Node's HTTP client, and its URL kept.
    const request = jest.spyOn(http, 'request').mockImplementation((() => {
      throw Object.assign(new Error('connect ENETUNREACH (no network in the test)'), { code: 'ENETUNREACH' });
    }) as never);

    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task-1' })());

    expect(String((request.mock.calls[0] as unknown[])[0])).toBe('http://169.254.170.2/v2/credentials/task-1');
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toContain('http://169.254.170.2/v2/credentials/task-1');
  });

  it.each([
    ['//169.254.169.254/latest/meta-data/iam', 'http://169.254.170.2//169.254.169.254/latest/meta-data/iam'],
    ['http://attacker.example/creds', 'http://169.254.170.2/http://attacker.example/creds'],
  ])('keeps an AWS_CONTAINER_CREDENTIALS_RELATIVE_URI that looks like another host (%s) on the ECS endpoint, as a path', async (relative, asked) => {
    const request = jest.spyOn(http, 'request').mockImplementation((() => {
      throw Object.assign(new Error('connect ENETUNREACH (no network in the test)'), { code: 'ENETUNREACH' });
    }) as never);

    await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: relative, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'secret-token' })());

    expect(request.mock.calls.map((call) => String((call as unknown[])[0]))).toEqual(Array.from({ length: CredentialDefaults.containerAttempts }, () => asked));
  });

  it('fetches the credentials again on the next call when they expire within 5 minutes (here, in 1 minute)', async () => {
    server = await credentialsEndpoint((index) => ({ status: 200, body: roleCredentials(1, `ASIASHORT${index}`) }));
    const credentials = awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` });

    const first = await credentials();
    const second = await credentials();

    expect(server.received).toHaveLength(2);
    expect([first.accessKeyId, second.accessKeyId]).toEqual(['ASIASHORT0', 'ASIASHORT1']);
    expect(CredentialDefaults.refreshBeforeExpiryMs).toBe(5 * 60_000);
  });

  it('keeps credentials that expire in an hour: one fetch for several calls', async () => {
    server = await credentialsEndpoint((index) => ({ status: 200, body: roleCredentials(60, `ASIALONG${index}`) }));
    const credentials = awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` });

    const identities = [await credentials(), await credentials(), await credentials()];

    expect(server.received).toHaveLength(1);
    expect(identities.map((identity) => identity.accessKeyId)).toEqual(['ASIALONG0', 'ASIALONG0', 'ASIALONG0']);
  });

  it('fetches once for callers that ask at the same time', async () => {
    server = await credentialsEndpoint((index) => ({ status: 200, body: roleCredentials(60, `ASIAONCE${index}`) }));
    const credentials = awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` });

    const identities = await Promise.all([credentials(), credentials(), credentials()]);

    expect(server.received).toHaveLength(1);
    expect(new Set(identities.map((identity) => identity.accessKeyId))).toEqual(new Set(['ASIAONCE0']));
  });

  it('reports an endpoint that answers 500 every time as CredentialsUnavailableError (a system fault the workflow retries) naming the endpoint, after its attempts', async () => {
    server = await credentialsEndpoint(() => ({ status: 500, body: { message: 'agent unavailable' } }));

    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` })());

    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(error).toMatchObject({ code: 'Stepwise.InternalError', fault: 'system' });
    expect((error as Error).message).toContain(`${server.url}/creds`);
    expect((error as Error).message).toContain('500');
    expect(server.received).toHaveLength(CredentialDefaults.containerAttempts);
  });

  it('tries the endpoint again on the next call after a failed fetch (a failure is not kept)', async () => {
    server = await credentialsEndpoint((index) => (index < CredentialDefaults.containerAttempts ? { status: 500, body: {} } : { status: 200, body: roleCredentials(60, 'ASIALATER') }));
    const credentials = awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` });

    await expect(credentials()).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(credentials()).resolves.toMatchObject({ accessKeyId: 'ASIALATER' });
  });

  it('reports an answer without AccessKeyId and SecretAccessKey as a ConfigDefinitionError, without asking again', async () => {
    server = await credentialsEndpoint(() => ({ status: 200, body: { Code: 'Success', Token: 'only-a-token' } }));

    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` })());

    expect(error).toBeInstanceOf(ConfigDefinitionError);
    expect((error as Error).message).toMatch(/without AccessKeyId and SecretAccessKey/);
    expect(server.received).toHaveLength(1);
  });

  it.each([
    ['http://example.com/creds', 'a plain-http host name'],
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/role', 'the EC2 instance metadata address'],
    ['http://10.0.0.7:8080/creds', 'a private address'],
  ])('refuses AWS_CONTAINER_CREDENTIALS_FULL_URI=%s (%s) with a ConfigDefinitionError naming the variable, without sending the token', async (fullUri) => {
    const request = jest.spyOn(http, 'request');

    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'secret-token' })());

    expect(error).toBeInstanceOf(ConfigDefinitionError);
    expect(error).toMatchObject({ field: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', message: expect.stringContaining('AWS_CONTAINER_CREDENTIALS_FULL_URI') });
    expect(request).not.toHaveBeenCalled();
  });

  it('refuses a AWS_CONTAINER_CREDENTIALS_FULL_URI that is not a URL, naming the variable', async () => {
    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'not a url' })());

    expect(error).toBeInstanceOf(ConfigDefinitionError);
    expect(error).toMatchObject({ field: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', message: expect.stringContaining('AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL') });
  });

  // The AWS SDK takes 127.x.x.x as loopback only when all four parts are numbers
  // (@aws-sdk/credential-provider-http checkUrl); a host name that starts with "127." is anyone's.
  it('refuses plain http to a host name that merely starts with "127." (not loopback), as the SDK does', async () => {
    const request = jest.spyOn(http, 'request').mockImplementation((() => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND (no network in the test)'), { code: 'ENOTFOUND' });
    }) as never);

    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.attacker.example/creds', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'secret-token' })());

    expect(request).not.toHaveBeenCalled();
    expect(error).toMatchObject({ field: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' });
  });

  it.each([
    ['http://169.254.170.23/v1/credentials', 'http:', 'the EKS Pod Identity address'],
    ['http://[fd00:ec2::23]/v1/credentials', 'http:', 'the EKS Pod Identity IPv6 address'],
    ['http://localhost:8123/creds', 'http:', 'localhost'],
    ['http://[::1]:8123/creds', 'http:', 'IPv6 loopback'],
    ['http://127.0.0.53:8123/creds', 'http:', 'an address of 127.0.0.0/8'],
    ['https://credentials.example.com/creds', 'https:', 'any https URL'],
  ])('accepts AWS_CONTAINER_CREDENTIALS_FULL_URI=%s (%s, %s)', async (fullUri, protocol) => {
    // Accepted means asked: the request is stopped at Node's HTTP client (no network here).
    const request = jest.spyOn(protocol === 'https:' ? https : http, 'request').mockImplementation((() => {
      throw Object.assign(new Error('connect ENETUNREACH (no network in the test)'), { code: 'ENETUNREACH' });
    }) as never);

    const error = await rejectionOf(awsCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri })());

    expect(request).toHaveBeenCalledTimes(CredentialDefaults.containerAttempts);
    expect(String((request.mock.calls[0] as unknown[])[0])).toBe(new URL(fullUri).href);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(error).not.toMatchObject({ field: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' });
  });
});

describe('AWS_PROFILE', () => {
  const SDK_VARIABLES = [
    'AWS_PROFILE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_EC2_METADATA_DISABLED',
  ];
  isolateEnv(SDK_VARIABLES);

  it("leaves the container endpoint alone when AWS_PROFILE names a profile, and uses the profile's keys (the SDK's chain)", async () => {
    server = await credentialsEndpoint(() => ({ status: 200, body: roleCredentials(60, 'ASIACONTAINER') }));
    const directory = mkdtempSync(path.join(os.tmpdir(), 'stepwise-profile-'));
    const configFile = path.join(directory, 'config');
    const credentialsFile = path.join(directory, 'credentials');
    writeFileSync(configFile, '[profile stepwise-wire]\nregion = eu-west-1\n');
    writeFileSync(credentialsFile, '[stepwise-wire]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n');
    // The SDK's chain reads the process environment.
    const env = {
      AWS_PROFILE: 'stepwise-wire',
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    Object.assign(process.env, env);

    const identity = await awsCredentials(env)();

    expect(identity).toMatchObject({ accessKeyId: 'AKIDFROMPROFILE', secretAccessKey: 'profile-secret' });
    expect(server.received).toHaveLength(0);
  });

  it("takes AWS_PROFILE's keys over the keys in the environment, as the SDK does", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'stepwise-profile-'));
    const credentialsFile = path.join(directory, 'credentials');
    writeFileSync(credentialsFile, '[stepwise-wire]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n');
    const env = {
      AWS_PROFILE: 'stepwise-wire',
      AWS_CONFIG_FILE: path.join(directory, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    Object.assign(process.env, env);

    await expect(awsCredentials(env)()).resolves.toMatchObject({ accessKeyId: 'AKIDFROMPROFILE' });
  });
});
