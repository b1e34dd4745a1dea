import type { LocalEngine } from '../../../local';
import { stateMachineArn } from '../../../local';
import { crossSiteBrowserHeaders, rawRequest, type RawResponse } from '../../helpers/raw-http';
import { eventually, MACHINE, sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from '../harness';

const SEND_EMAIL_SCHEMA = {
  type: 'object',
  properties: { to: { type: 'string', minLength: 3 } },
  required: ['to'],
  additionalProperties: false,
};

/** The console page and its JSON API, over HTTP as the page's own script uses them. */
describe('the console routes of the local engine', () => {
  let engine: LocalEngine;
  let cleanup: () => void;
  let host: string;
  let secret: string;

  beforeAll(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root, {
      agents: [
        {
          name: MACHINE,
          description: 'A scripted agent',
          stateMachineArn: stateMachineArn(MACHINE),
          tools: [{ name: 'send_email', description: 'Sends an email', approval: 'always', parameters: SEND_EMAIL_SCHEMA }],
        },
      ],
    });
    host = new URL(engine.endpoint).host;
    const page = await rawRequest(engine.consoleUrl, { headers: { Host: host, 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } });
    secret = /<meta name="stepwise-console-secret" content="([^"]+)">/.exec(page.body)![1];
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  /** Headers of a fetch by the console's own script. */
  const ownPage = (extra: Record<string, string> = {}): Record<string, string> => ({
    Host: host,
    Origin: engine.endpoint,
    'Sec-Fetch-Site': 'same-origin',
    'Sec-Fetch-Mode': 'cors',
    'X-Stepwise-Console-Secret': secret,
    ...extra,
  });
  const api = (path: string, headers: Record<string, string> = ownPage()) => rawRequest(`${engine.endpoint}/console/api/${path}`, { headers });
  const decide = (approvalId: string, body: unknown, headers: Record<string, string> = ownPage({ 'Content-Type': 'application/json' })) =>
    rawRequest(`${engine.endpoint}/console/api/approvals/${approvalId}/decision`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = (response: RawResponse) => JSON.parse(response.body);

  const startWithApprovals = async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'approvals');
    const approvals = await eventually(async () => {
      const pending = await engine.stores.approvals.list({ executionArn });
      return pending.length === 2 ? pending : undefined;
    });
    return { sfn, executionArn, approvals };
  };

  it('serves the page with a per-engine secret, its script as a file and a strict content security policy', async () => {
    const page = await rawRequest(engine.consoleUrl, { headers: { Host: host } });

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<script src="/console/assets/console.js" defer></script>');
    expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(page.body).not.toMatch(/ on[a-z]+=/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('serves the built script and stylesheet, and nothing else from the assets folder', async () => {
    const script = await rawRequest(`${engine.endpoint}/console/assets/console.js`, { headers: { Host: host } });
    const style = await rawRequest(`${engine.endpoint}/console/assets/console.css`, { headers: { Host: host } });
    const other = await rawRequest(`${engine.endpoint}/console/assets/..%2F..%2Fpackage.json`, { headers: { Host: host } });

    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).not.toContain('innerHTML');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(other.status).toBe(404);
  });

  it('opens from a link on another site, but another site cannot fetch or embed it', async () => {
    const navigation = await rawRequest(engine.consoleUrl, { headers: { Host: host, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } });
    const fetched = await rawRequest(engine.consoleUrl, { headers: { Host: host, Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' } });
    const framed = await rawRequest(engine.consoleUrl, { headers: { Host: host, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' } });

    expect(navigation.status).toBe(200);
    expect(fetched.status).toBe(403);
    expect(fetched.body).not.toContain(secret);
    expect(framed.status).toBe(403);
  });

  it('refuses its API to requests without the secret, even from the engine\'s own origin', async () => {
    const { 'X-Stepwise-Console-Secret': _secret, ...withoutSecret } = ownPage();

    const refused = await api('approvals', withoutSecret);
    const wrong = await api('approvals', { ...withoutSecret, 'X-Stepwise-Console-Secret': 'x'.repeat(secret.length) });

    expect(refused.status).toBe(403);
    expect(json(refused).message).toMatch(/console secret/);
    expect(wrong.status).toBe(403);
  });

  it('lists pending approvals with the tool\'s schema and without their task tokens', async () => {
    const { sfn, executionArn, approvals } = await startWithApprovals();

    const response = await api('approvals');

    expect(response.status).toBe(200);
    expect(response.body).not.toContain(approvals[0].taskToken);
    expect(response.body).not.toContain('taskToken');
    const listed = json(response).approvals.filter((approval: { executionArn: string }) => approval.executionArn === executionArn);
    expect(listed[0]).toMatchObject({ approvalId: 'approval-1', tool: 'send_email', args: { to: 'person1@example.com' }, parameters: SEND_EMAIL_SCHEMA });
    for (const approval of approvals) await decide(approval.approvalId, { decision: 'reject', reason: 'cleanup' });
    await waitFor(sfn, executionArn);
  });

  it('decides approvals by id through SendTaskSuccess and SendTaskFailure, with edited arguments checked', async () => {
    const { sfn, executionArn } = await startWithApprovals();

    const approved = await decide('approval-1', { decision: 'approve', args: { to: 'someone@example.com' }, reason: 'looks right' });
    const rejected = await decide('approval-2', { decision: 'reject', reason: 'not this one' });
    const execution = await waitFor(sfn, executionArn);

    expect(approved.status).toBe(200);
    expect(json(approved)).toEqual({ approvalId: 'approval-1', decision: 'approve', editedFields: ['to'] });
    expect(json(rejected)).toEqual({ approvalId: 'approval-2', decision: 'reject', editedFields: [] });
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).answer).toBe('approval-1:approved,approval-2:rejected(not this one)');
  });

  it('refuses edits that do not fit the tool\'s schema, naming each field, and the approval keeps waiting', async () => {
    const { sfn, executionArn } = await startWithApprovals();

    const unknownKey = await decide('approval-1', { decision: 'approve', args: { to: 'someone@example.com', cc: 'boss@example.com' } });
    const tooShort = await decide('approval-1', { decision: 'approve', args: { to: 'x' } });
    const noReason = await decide('approval-2', { decision: 'reject', reason: '  ' });

    expect(unknownKey.status).toBe(400);
    expect(json(unknownKey).issues).toEqual([{ path: 'cc', message: 'is not a known field (the fields are to)' }]);
    expect(json(tooShort).message).toContain('to must be at least 3 characters');
    expect(noReason.status).toBe(400);
    expect(json(noReason).message).toMatch(/needs a reason/);
    expect((await engine.stores.approvals.list({ executionArn })).map((approval) => approval.approvalId)).toEqual(['approval-1', 'approval-2']);
    await decide('approval-1', { decision: 'reject', reason: 'cleanup' });
    await decide('approval-2', { decision: 'reject', reason: 'cleanup' });
    await waitFor(sfn, executionArn);
  });

  it('refuses a cross-site decision and a decision sent as a form, and the approval keeps waiting', async () => {
    const { sfn, executionArn } = await startWithApprovals();

    const crossSite = await decide('approval-1', { decision: 'approve' }, { ...crossSiteBrowserHeaders(host), 'X-Stepwise-Console-Secret': secret });
    const asText = await decide('approval-1', { decision: 'approve' }, ownPage({ 'Content-Type': 'text/plain' }));

    expect(crossSite.status).toBe(403);
    expect(asText.status).toBe(415);
    expect(await engine.stores.approvals.list({ executionArn })).toHaveLength(2);
    await decide('approval-1', { decision: 'reject', reason: 'cleanup' });
    await decide('approval-2', { decision: 'reject', reason: 'cleanup' });
    await waitFor(sfn, executionArn);
  });

  it('answers a decision on an approval that is gone, or a broken id, with a clear error', async () => {
    const missing = await decide('approval-that-never-was', { decision: 'approve' });
    const broken = await decide('%E0%A4%A', { decision: 'approve' });
    const extra = await decide('approval-1', { decision: 'approve', approved: true });

    expect(missing.status).toBe(404);
    expect(json(missing).message).toMatch(/decided already, timed out, or its execution ended/);
    expect(broken.status).toBe(400);
    expect(json(broken)).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('%-encoding') });
    expect(extra.status).toBe(400);
    expect(json(extra).message).toContain('approved');
  });

  it('lists runs with their task, status, iterations and cost', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'complete', { note: 'listed' });
    await waitFor(sfn, executionArn);

    const { runs, total } = json(await api('runs'));

    expect(total).toBeGreaterThanOrEqual(1);
    expect(runs.find((run: { executionArn: string }) => run.executionArn === executionArn)).toMatchObject({
      agent: MACHINE,
      task: 'run complete',
      status: 'SUCCEEDED',
      iterations: 1,
      costUsd: 0,
      pendingApprovals: 0,
    });
  });

  it('lists the agents with their tools\' schemas and the execution input schema', async () => {
    const { agents, executionInputSchema } = json(await api('agents'));

    expect(agents).toEqual([expect.objectContaining({ name: MACHINE, stateMachineArn: stateMachineArn(MACHINE), tools: [expect.objectContaining({ name: 'send_email', approval: 'always' })] })]);
    expect(executionInputSchema).toMatchObject({ type: 'object', required: ['task'], additionalProperties: false });
  });
});
