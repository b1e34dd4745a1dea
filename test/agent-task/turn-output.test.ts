import { MemoryPayloadStore, RunState, type PendingApproval, type RunResult } from '../../framework/internal';
import { turnOutputOf } from '../../agent-task';
import { sampleCost } from '../helpers/cost';

const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:research:one';

function paused(approvals: PendingApproval[]): RunResult {
  return { status: 'AWAITING_APPROVAL', approvals, state: RunState.start({ agent: 'research', task: 't' }), iterations: 1, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, cost: sampleCost({ inputTokens: 0, outputTokens: 0 }), model: 'offline' };
}

const approval = (index: number, argsChars: number, reasoning = 'why'): PendingApproval => ({
  approvalId: `apv-${index}`,
  callId: `call-${index}`,
  tool: 'publish',
  args: { body: 'x'.repeat(argsChars) },
  reasoning,
  requestedAt: '2030-01-01T00:00:00.000Z',
  timeoutSeconds: 600,
});

describe('the turn output of a paused turn', () => {
  it('stays within its budget however many approvals the model asked for: every argument goes by reference, reasoning becomes a preview', async () => {
    const payloads = new MemoryPayloadStore();
    const approvals = Array.from({ length: 100 }, (_, index) => approval(index, 6_000, 'r'.repeat(3_000)));

    const output = await turnOutputOf(paused(approvals), { executionArn, payloads });

    expect(Buffer.byteLength(JSON.stringify(output))).toBeLessThanOrEqual(200_000);
    expect(output.approvals!.every((item) => item.args === undefined && item.argsRef === `stepwise-payload:approvals/${item.approvalId}/args`)).toBe(true);
    expect(output.approvals![0].reasoning).toMatch(/^r{500}… \[2500 more characters in the model.step event of this turn\]$/);
    await expect(payloads.get(output.approvals![7].argsRef!)).resolves.toEqual({ body: 'x'.repeat(6_000) });
  });

  it('keeps short arguments inline when they fit', async () => {
    const output = await turnOutputOf(paused([approval(1, 100)]), { executionArn, payloads: new MemoryPayloadStore() });
    expect(output.approvals).toEqual([expect.objectContaining({ approvalId: 'apv-1', args: { body: 'x'.repeat(100) }, reasoning: 'why' })]);
  });

  it('fails the turn with a clear error when even references cannot carry that many approvals', async () => {
    const approvals = Array.from({ length: 2_000 }, (_, index) => approval(index, 10));

    const failure = turnOutputOf(paused(approvals), { executionArn, payloads: new MemoryPayloadStore() });

    await expect(failure).rejects.toMatchObject({ code: 'Stepwise.InvalidInput', message: expect.stringContaining('The model asked for 2000 approval-gated calls at once') });
  });
});
