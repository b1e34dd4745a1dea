import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryApprovalStore } from '../../../framework/stores';
import { createApprovalNotifier } from '../../../local';

const payload = {
  taskToken: 'swt1.token',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:research:run-1',
  agent: 'research',
  approval: { approvalId: 'approval-1', callId: 'call-1', tool: 'send_email', args: { to: 'a@example.com' }, reasoning: 'tell them', timeoutSeconds: 30 },
};

describe('the local approval notifier', () => {
  it('records the pending approval with its token and expiry', async () => {
    const approvals = new MemoryApprovalStore();
    const notify = createApprovalNotifier({ approvals, log: () => undefined, now: () => Date.parse('2030-01-01T00:00:00Z') });

    await notify(payload);

    expect(await approvals.get('approval-1')).toMatchObject({
      taskToken: 'swt1.token',
      tool: 'send_email',
      requestedAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:00:30.000Z',
    });
  });

  it('records and announces a request asked again with the same token once, and one with a new token again', async () => {
    const approvals = new MemoryApprovalStore();
    const lines: string[] = [];
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const notify = createApprovalNotifier({ approvals, log: (line) => void lines.push(line), now: () => clock });

    await notify(payload);
    clock += 60_000;
    await notify(payload);

    expect(lines).toHaveLength(1);
    expect(await approvals.get('approval-1')).toMatchObject({ taskToken: 'swt1.token', requestedAt: '2030-01-01T00:00:00.000Z' });

    await notify({ ...payload, taskToken: 'swt1.other-token' });

    expect(lines).toHaveLength(2);
    expect(await approvals.get('approval-1')).toMatchObject({ taskToken: 'swt1.other-token', requestedAt: '2030-01-01T00:01:00.000Z' });
  });

  it('keeps long arguments a reference and announces their start', async () => {
    const approvals = new MemoryApprovalStore();
    const lines: string[] = [];
    const notify = createApprovalNotifier({ approvals, log: (line) => void lines.push(line) });
    const { args: _args, ...rest } = payload.approval;

    await notify({ ...payload, approval: { ...rest, argsRef: 'stepwise-payload:approvals/approval-1/args', argsPreview: '{"to":"a@example.com","body":"…' } });

    const stored = await approvals.get('approval-1');
    expect(stored).toMatchObject({ argsRef: 'stepwise-payload:approvals/approval-1/args', argsPreview: '{"to":"a@example.com","body":"…' });
    expect(stored).not.toHaveProperty('args');
    expect(lines[0]).toContain('send_email {"to":"a@example.com","body":"…');
  });

  it('POSTs the request to the webhook, and only logs when the webhook fails', async () => {
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const notify = createApprovalNotifier({
      approvals: new MemoryApprovalStore(),
      webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      log: (line) => lines.push(line),
    });

    await notify(payload);
    while (!lines.some((line) => line.includes('HTTP 500'))) await new Promise((resolve) => setTimeout(resolve, 20));
    server.close();

    expect(received).toEqual([{ approvalId: 'approval-1', executionArn: payload.executionArn, agent: 'research', tool: 'send_email', args: { to: 'a@example.com' }, reasoning: 'tell them' }]);
  });

  it('refuses a payload without an approval', async () => {
    const notify = createApprovalNotifier({ approvals: new MemoryApprovalStore(), log: () => undefined });

    await expect(notify({ taskToken: 'swt1.token' })).rejects.toThrow(/approval/);
  });
});
