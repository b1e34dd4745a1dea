import { InvokeCommand } from '@aws-sdk/client-lambda';
import { RunState, saveRunState, type LedgerEntry } from '../../framework/internal';
import type { LocalEngine } from '../../local';
import { lambdaClient, sfnClient, startScripted, startTestEngine, temporaryRoot } from './harness';

/**
 * The engine's Lambda API runs a tool whose calls need approval only as the call the run state
 * holds as approved and about to run: same execution, call id, idempotency key, decision and
 * arguments. The run state is written here as the container writes it.
 */
describe('the approval gate of the Lambda API', () => {
  let engine: LocalEngine;
  let cleanup: () => void;
  let executionArn: string;
  const ran: unknown[] = [];

  beforeAll(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    const handler = async (event: unknown) => {
      ran.push(event);
      return { ok: true, result: { sent: true } };
    };
    engine = await startTestEngine(temporary.root, {
      lambdaHandlers: { send_money: handler, report_decision: handler },
      gatedTools: {
        send_money: { tool: 'send_money', handlesRejection: false, needsApproval: async (args) => ((args as { amount?: number })?.amount ?? 0) > 100 },
        report_decision: { tool: 'report_decision', handlesRejection: true, needsApproval: async () => true },
      },
    });
    // A running execution (the scripted container beats for a minute) whose run state the tests write.
    executionArn = await startScripted(sfnClient(engine), 'slow', { delayMs: 60_000 });
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  beforeEach(() => ran.splice(0));

  const approvedEntry = (overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
    callId: 'call-1',
    idempotencyKey: `${executionArn}:call-1`,
    tool: 'send_money',
    args: { to: 'alice', amount: 500 },
    status: 'started',
    iteration: 1,
    approval: { approvalId: 'apv-1', outcome: 'approved', edited: false },
    ...overrides,
  });

  async function commit(entry: LedgerEntry): Promise<void> {
    const state = RunState.start({ agent: 'scripted', task: 'pay', runId: executionArn });
    state.mutable.ledger[entry.callId] = entry;
    await saveRunState(engine.stores.checkpoints, executionArn, state);
  }

  async function invoke(entry: LedgerEntry, event: Record<string, unknown>, functionName = entry.tool) {
    await commit(entry);
    const payload = { arguments: entry.args, callId: entry.callId, idempotencyKey: entry.idempotencyKey, executionId: executionArn, approval: { approved: true, outcome: 'approved' }, ...event };
    return lambdaClient(engine).send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  }

  it('runs the approved call, with its arguments in any key order', async () => {
    const result = await invoke(approvedEntry(), { arguments: { amount: 500, to: 'alice' } });

    expect(result.StatusCode).toBe(200);
    expect(ran).toHaveLength(1);
  });

  it('runs a call that needs no approval by its own rule, without any run', async () => {
    const result = await lambdaClient(engine).send(new InvokeCommand({ FunctionName: 'send_money', Payload: Buffer.from(JSON.stringify({ arguments: { to: 'bob', amount: 5 }, callId: 'c', idempotencyKey: 'x:c', executionId: 'x' })) }));

    expect(result.StatusCode).toBe(200);
    expect(ran).toHaveLength(1);
  });

  it('judges a direct invocation with the tool\'s arguments alone by those arguments: refused when they need approval, run when not', async () => {
    const direct = (args: Record<string, unknown>) => lambdaClient(engine).send(new InvokeCommand({ FunctionName: 'send_money', Payload: Buffer.from(JSON.stringify(args)) }));

    await expect(direct({ to: 'mallory', amount: 500 })).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('not a tool invocation') });
    expect(ran).toEqual([]);
    expect((await direct({ to: 'bob', amount: 5 })).StatusCode).toBe(200);
    expect(ran).toEqual([{ to: 'bob', amount: 5 }]);
  });

  it.each([
    ['other arguments', approvedEntry(), { arguments: { to: 'mallory', amount: 500 } }, 'the arguments are not the ones approved'],
    ['another idempotency key', approvedEntry(), { idempotencyKey: 'elsewhere:call-1' }, 'the idempotency key is not the call'],
    ['no decision in the envelope', approvedEntry(), { approval: undefined }, 'never decided'],
    ['a rejected call', approvedEntry({ approval: { approvalId: 'apv-1', outcome: 'rejected', edited: false } }), {}, 'was rejected'],
    ['a call that timed out', approvedEntry({ approval: { approvalId: 'apv-1', outcome: 'timeout', edited: false } }), {}, 'was not decided in time'],
    ['a call that already ran', approvedEntry({ status: 'completed' }), {}, 'is completed, not about to run'],
    ['a call still waiting', approvedEntry({ status: 'awaiting_approval', approval: undefined }), {}, 'still waiting for a decision'],
    ['another tool\'s call', approvedEntry({ tool: 'report_decision' }), {}, 'is a call of report_decision'],
  ])('refuses %s with AccessDeniedException, and nothing runs', async (_what, entry, event, message) => {
    const invoking = invoke(entry, event, 'send_money');

    await expect(invoking).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 }, message: expect.stringContaining(message) });
    expect(ran).toEqual([]);
  });

  it('runs a tool that handles rejections with the rejection the run holds, and refuses one claiming approval', async () => {
    const rejected = approvedEntry({ tool: 'report_decision', approval: { approvalId: 'apv-1', outcome: 'rejected', edited: false } });

    const told = await invoke(rejected, { approval: { approved: false, outcome: 'rejected' } });
    const forged = invoke(rejected, { approval: { approved: true, outcome: 'approved' } });

    expect(told.StatusCode).toBe(200);
    await expect(forged).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('its decision is rejected') });
    expect(ran).toHaveLength(1);
  });
});
