import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { signRequest, type SigV4Request } from '../../../framework/aws/sigv4';
import { NodeSha256 } from '../../helpers/node-sha256';

const CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TEMPORARY: AwsCredentialIdentity = { ...CREDENTIALS, sessionToken: 'IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token' };
const DATE = new Date('2026-03-14T15:09:26.535Z');

/** What the AWS SDK's signer (which is how AWS recomputes a signature) makes of the same request. */
async function sdkSigned(request: SigV4Request, service: string, region: string, credentials: AwsCredentialIdentity): Promise<Record<string, string>> {
  const host = request.headers.host;
  const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign(
    { method: request.method, protocol: 'https:', hostname: host.split(':')[0], path: request.path, query: { ...request.query }, headers: { ...request.headers }, ...(request.body ? { body: request.body } : {}) },
    { signingDate: DATE },
  );
  return signed.headers;
}

describe('signRequest', () => {
  it.each<[string, SigV4Request, string, AwsCredentialIdentity]>([
    [
      'a Step Functions call (AWS JSON 1.0)',
      { method: 'POST', path: '/', headers: { host: 'states.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.SendTaskHeartbeat' }, body: Buffer.from('{"taskToken":"t"}') },
      'states',
      CREDENTIALS,
    ],
    [
      'a call with temporary credentials (session token)',
      { method: 'POST', path: '/', headers: { host: 'states.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.SendTaskSuccess' }, body: Buffer.from('{"taskToken":"t","output":"{}"}') },
      'states',
      TEMPORARY,
    ],
    [
      'a Lambda invocation of an ARN with a $LATEST qualifier',
      {
        method: 'POST',
        path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A000000000000%3Afunction%3Alookup/invocations',
        query: { Qualifier: '$LATEST' },
        headers: { host: 'lambda.eu-west-1.amazonaws.com', 'content-type': 'application/octet-stream', 'x-amz-invocation-type': 'RequestResponse', 'x-amz-log-type': 'Tail' },
        body: Buffer.from('{"arguments":{"word":"Grüße"}}'),
      },
      'lambda',
      TEMPORARY,
    ],
    [
      'a GET without a body, with a port, odd path segments and several query parameters',
      {
        method: 'GET',
        path: '/a/./b/../c%20d/%C3%A9/',
        query: { 'z-last': 'x y/z~*', a: '', Marker: "it's(1)!" },
        headers: { host: 'abc.lambda-url.eu-west-1.on.aws:8443', accept: 'text/event-stream', 'X-Custom-Header': '  spaced   out  value ' },
      },
      'lambda',
      CREDENTIALS,
    ],
  ])('signs %s as the AWS SDK signs it', async (_what, request, service, credentials) => {
    const ours = signRequest(request, { service, region: 'eu-west-1', credentials, date: DATE });
    const theirs = await sdkSigned(request, service, 'eu-west-1', credentials);

    expect(ours.authorization).toBe(theirs.authorization);
    expect(ours['x-amz-date']).toBe(theirs['x-amz-date']);
    expect(ours['x-amz-content-sha256']).toBe(theirs['x-amz-content-sha256']);
    expect(ours['x-amz-security-token']).toBe(theirs['x-amz-security-token']);
  });

  it('signs every header it is given, names in lower case, and keeps their values', () => {
    const headers = signRequest(
      { method: 'POST', path: '/', headers: { Host: 'states.eu-west-1.amazonaws.com', 'Content-Type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') },
      { service: 'states', region: 'eu-west-1', credentials: TEMPORARY, date: DATE },
    );

    expect(headers).toMatchObject({ host: 'states.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.0', 'x-amz-date': '20260314T150926Z', 'x-amz-security-token': TEMPORARY.sessionToken });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260314\/eu-west-1\/states\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });

  it('sends but does not sign the headers a proxy may change (user-agent, connection, x-amzn-trace-id)', () => {
    const headers = signRequest(
      { method: 'POST', path: '/', headers: { host: 'lambda.eu-west-1.amazonaws.com', 'user-agent': 'stepwise-agents', connection: 'keep-alive', 'x-amzn-trace-id': 'Root=1-abc' }, body: Buffer.from('{}') },
      { service: 'lambda', region: 'eu-west-1', credentials: CREDENTIALS, date: DATE },
    );

    expect(headers).toMatchObject({ 'user-agent': 'stepwise-agents', connection: 'keep-alive', 'x-amzn-trace-id': 'Root=1-abc' });
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date,');
  });
});
