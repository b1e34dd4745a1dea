import { InvokeCommand } from '@aws-sdk/client-lambda';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { LocalEngine } from '../../local';
import { crossSiteBrowserHeaders, rawRequest } from '../helpers/raw-http';
import { APPROVAL_FUNCTION, eventually, lambdaClient, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

/**
 * A web page the developer visits must not be able to drive the engine: browsers send "simple"
 * cross-site POSTs (text/plain, no preflight) to any address, loopback included.
 */
describe('the local engine refuses cross-site requests', () => {
  let engine: LocalEngine;
  let cleanup: () => void;
  let host: string;
  const sideEffects: unknown[] = [];

  beforeAll(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root, {
      lambdaHandlers: {
        'stepwise-tool-send_money': async (event) => {
          sideEffects.push(event);
          return { sent: true };
        },
      },
    });
    host = new URL(engine.endpoint).host;
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  beforeEach(() => sideEffects.splice(0));

  const invokeUrl = (name: string) => `${engine.endpoint}/2015-03-31/functions/${name}/invocations`;

  it('refuses a cross-site POST to a tool and the tool does not run', async () => {
    const response = await rawRequest(invokeUrl('stepwise-tool-send_money'), {
      method: 'POST',
      headers: crossSiteBrowserHeaders(host),
      body: JSON.stringify({ to: 'attacker', amount: 1000 }),
    });

    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).message).toMatch(/cross-site/i);
    expect(response.body).toContain('http://evil.example');
    expect(sideEffects).toEqual([]);
  });

  it('refuses a cross-site POST to the approval notifier and records no approval', async () => {
    const payload = {
      taskToken: 'forged-token',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:scripted:forged',
      agent: 'scripted',
      approval: { approvalId: 'forged-1', callId: 'call-1', tool: 'send_money', args: { to: 'attacker' }, reasoning: 'trust me', timeoutSeconds: 60 },
    };

    const response = await rawRequest(invokeUrl(APPROVAL_FUNCTION), { method: 'POST', headers: crossSiteBrowserHeaders(host), body: JSON.stringify(payload) });

    expect(response.status).toBe(403);
    expect(await engine.stores.approvals.list()).toEqual([]);
  });

  it('refuses a cross-site SendTaskSuccess and the approval keeps waiting', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const [approval] = await eventually(async () => {
      const approvals = await engine.stores.approvals.list({ executionArn });
      return approvals.length === 2 ? approvals : undefined;
    });

    const response = await rawRequest(engine.endpoint, {
      method: 'POST',
      headers: { ...crossSiteBrowserHeaders(host), 'X-Amz-Target': 'AWSStepFunctions.SendTaskSuccess' },
      body: JSON.stringify({ taskToken: approval.taskToken, output: JSON.stringify({ approved: true }) }),
    });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect((await engine.stores.approvals.list({ executionArn })).map((each) => each.approvalId)).toEqual(['approval-1', 'approval-2']);
    expect(engine.executions.tokens.get(approval.taskToken)?.status).toBe('waiting');
    // The real client still decides it.
    for (const each of await engine.stores.approvals.list({ executionArn })) {
      await sfn.send(new SendTaskSuccessCommand({ taskToken: each.taskToken, output: '{"approved":true}' }));
    }
    expect((await waitFor(sfn, executionArn)).status).toBe('SUCCEEDED');
  });

  it('refuses a page on another port of the same machine (same-site is not same-origin)', async () => {
    const otherPort = `http://127.0.0.1:${engine.port === 3000 ? 3001 : 3000}`;

    const response = await rawRequest(invokeUrl('stepwise-tool-send_money'), {
      method: 'POST',
      headers: crossSiteBrowserHeaders(host, otherPort, 'same-site'),
      body: '{}',
    });

    expect(response.status).toBe(403);
    expect(sideEffects).toEqual([]);
  });

  it('refuses Sec-Fetch-Site: cross-site even without an Origin header', async () => {
    const { Origin: _origin, ...headers } = crossSiteBrowserHeaders(host);

    const response = await rawRequest(invokeUrl('stepwise-tool-send_money'), { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: '{}' });

    expect(response.status).toBe(403);
    expect(sideEffects).toEqual([]);
  });

  it('refuses an Origin of "null" (sandboxed frames, file: pages)', async () => {
    const response = await rawRequest(invokeUrl('stepwise-tool-send_money'), {
      method: 'POST',
      headers: { Host: host, Origin: 'null', 'Content-Type': 'application/json' },
      body: '{}',
    });

    expect(response.status).toBe(403);
    expect(sideEffects).toEqual([]);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses the form content type %s on the Lambda Invoke API, naming the ones it accepts',
    async (contentType) => {
      const response = await rawRequest(invokeUrl('stepwise-tool-send_money'), { method: 'POST', headers: { Host: host, 'Content-Type': contentType }, body: '{}' });

      expect(response.status).toBe(415);
      expect(response.headers['x-amzn-errortype']).toBe('UnsupportedMediaTypeException');
      expect(JSON.parse(response.body).message).toContain('application/json');
      expect(sideEffects).toEqual([]);
    },
  );

  it('refuses a Step Functions request that is not AWS JSON 1.0', async () => {
    const response = await rawRequest(engine.endpoint, {
      method: 'POST',
      headers: { Host: host, 'Content-Type': 'text/plain', 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' },
      body: '{}',
    });

    expect(response.status).toBe(415);
    expect(JSON.parse(response.body).message).toContain('application/x-amz-json-1.0');
  });

  it('still serves the AWS SDK (application/octet-stream) and the AWS CLI (no Content-Type on Invoke)', async () => {
    const viaSdk = await lambdaClient(engine).send(new InvokeCommand({ FunctionName: 'stepwise-tool-send_money', Payload: new TextEncoder().encode('{"to":"sdk"}') }));
    // botocore sends an Invoke payload without a Content-Type header.
    const viaCli = await rawRequest(invokeUrl('stepwise-tool-send_money'), { method: 'POST', headers: { Host: host }, body: '{"to":"cli"}' });

    expect(viaSdk.StatusCode).toBe(200);
    expect(viaCli.status).toBe(200);
    expect(sideEffects).toHaveLength(2);
  });

  it('serves a same-origin request from the engine\'s own pages', async () => {
    const response = await rawRequest(engine.endpoint, {
      method: 'POST',
      headers: {
        Host: host,
        Origin: engine.endpoint,
        'Sec-Fetch-Site': 'same-origin',
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'AWSStepFunctions.ListStateMachines',
      },
      body: '{}',
    });

    // Same origin passes the cross-site check; a browser must still show the console secret.
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).message).toMatch(/console secret/i);
  });
});
