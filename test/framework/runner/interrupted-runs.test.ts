import { z } from 'zod';
import { ContainerStoppedError, RunState, ToolOutcomeUnknownError, ToolTimeoutError, defineAgent, defineTool, runAgent, type StepwiseEvent } from '../../../framework';
import { scriptedModel } from '../../../framework/testing';
import { add, sendEmailTool } from '../../helpers/test-tools';

const toolMessages = (request: { messages: readonly { role: string }[] }) => request.messages.filter((message) => message.role === 'tool') as unknown as { toolCallId: string; content: string }[];

/** Answers "done" once it has seen a tool result, else asks for the given calls. */
const callsThenDone = (calls: { id: string; name: string; args: unknown }[]) =>
  scriptedModel((request) => (request.messages.some((message) => message.role === 'tool') ? { text: 'done' } : { text: 'working', toolCalls: calls }));

describe('a resumed run that is still waiting for approvals', () => {
  it('reports the same pending approvals again (same ids and calls) instead of failing', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const model = callsThenDone([{ id: 'e', name: 'send_email', args: { to: 'ops@example.com', body: 'hi' } }]);
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent)], model });
    const paused = await runAgent(agent, 'mail it', { runId: 'run-1' });
    const events: StepwiseEvent[] = [];
    // The pause was committed but its answer never came back: the same state is run again, undecided.
    const state = RunState.fromJSON(JSON.parse(JSON.stringify(paused.state.toJSON())));

    const again = await runAgent(agent, state, { onEvent: (event) => void events.push(event) });

    expect(paused.status).toBe('AWAITING_APPROVAL');
    expect(again.status).toBe('AWAITING_APPROVAL');
    if (again.status !== 'AWAITING_APPROVAL' || paused.status !== 'AWAITING_APPROVAL') return;
    expect(again.approvals).toEqual(paused.approvals);
    expect(events.filter((event) => event.type === 'approval.requested')).toEqual([expect.objectContaining({ approvalId: paused.approvals[0].approvalId, callId: 'e', repeated: true })]);
    expect(model.requests).toHaveLength(1);
    expect(sent).toEqual([]);

    state.approve(paused.approvals[0].approvalId);
    const done = await runAgent(agent, state);
    expect(done.status).toBe('COMPLETED');
    expect(sent).toEqual([{ to: 'ops@example.com', idempotencyKey: 'run-1:e' }]);
  });

  it('keeps the decisions that did arrive and asks only for the ones still missing', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const model = callsThenDone([
      { id: 'e1', name: 'send_email', args: { to: 'a@example.com', body: 'hi' } },
      { id: 'e2', name: 'send_email', args: { to: 'b@example.com', body: 'hi' } },
    ]);
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent)], model });
    const paused = await runAgent(agent, 'mail both', { runId: 'run-2' });
    const [first, second] = paused.state.pendingApprovals;
    const snapshots: unknown[] = [];
    paused.state.approve(first.approvalId);

    const partial = await runAgent(agent, paused.state, { onCheckpoint: async (state) => void snapshots.push(state.toJSON()) });

    expect(partial.status === 'AWAITING_APPROVAL' && partial.approvals.map((approval) => approval.approvalId)).toEqual([second.approvalId]);
    // The decision that arrived is committed, so a crash now does not lose it.
    expect(RunState.fromJSON(snapshots.at(-1)).decisions.map((decision) => decision.approvalId)).toEqual([first.approvalId]);
    paused.state.reject(second.approvalId, 'not b');
    const done = await runAgent(agent, paused.state);
    expect(done.status).toBe('COMPLETED');
    expect(sent.map((mail) => mail.to)).toEqual(['a@example.com']);
  });
});

describe('a tool call whose outcome is unknown', () => {
  it('is never shown to the model as a failure: the run is interrupted and the same call is invoked again on resume', async () => {
    const keys: string[] = [];
    let reachable = false;
    const remote = defineTool({
      name: 'remote',
      description: 'a function somewhere else',
      parameters: z.object({ n: z.number() }),
      execute: ({ n }, context) => {
        keys.push(context.idempotencyKey);
        if (!reachable) throw new ToolOutcomeUnknownError('remote', 'connect ECONNREFUSED 127.0.0.1:8723');
        return n * 2;
      },
    });
    const model = callsThenDone([{ id: 'r', name: 'remote', args: { n: 21 } }, { id: 'a', name: 'add', args: { a: 1, b: 1 } }]);
    const agent = defineAgent({ name: 'remote', description: 'calls out', tools: [remote, add], model });
    const snapshots: unknown[] = [];
    const events: StepwiseEvent[] = [];

    const interrupted = await runAgent(agent, 'go', { runId: 'run-3', toolConcurrency: 1, onCheckpoint: async (state) => void snapshots.push(state.toJSON()), onEvent: (event) => void events.push(event) });

    expect(interrupted).toMatchObject({ status: 'FAILED', interrupted: true, error: { name: 'Stepwise.ToolOutcomeUnknown' } });
    const committed = RunState.fromJSON(snapshots.at(-1));
    expect(committed.status).toBe('RUNNING');
    expect(committed.ledger.r.status).toBe('started');
    expect(events.map((event) => event.type)).not.toContain('tool.failed');
    expect(events.at(-1)).toMatchObject({ type: 'run.interrupted', error: { name: 'Stepwise.ToolOutcomeUnknown' } });
    expect(model.requests).toHaveLength(1);

    reachable = true;
    const resumed = await runAgent(agent, committed);

    expect(resumed.status).toBe('COMPLETED');
    expect(keys).toEqual(['run-3:r', 'run-3:r']);
    expect(toolMessages(model.requests[1]).map((message) => message.content)).toEqual(['42', '{"sum":2}']);
  });

  it('is unknown when a call that leaves the process times out, but a timeout of an in-process tool is told to the model', async () => {
    const slow = defineTool({ name: 'slow', description: 'slow', parameters: z.object({}), timeoutMs: 20, execute: () => new Promise(() => undefined) });
    const remoteAgent = defineAgent({ name: 'slow', description: 'slow', tools: [slow], model: callsThenDone([{ id: 's', name: 'slow', args: {} }]) });
    const localModel = callsThenDone([{ id: 's', name: 'slow', args: {} }]);
    const localAgent = defineAgent({ name: 'slow', description: 'slow', tools: [slow], model: localModel });

    const remote = await runAgent(remoteAgent, 'go', { isRemoteTool: (tool) => tool.name === 'slow' });
    const local = await runAgent(localAgent, 'go');

    expect(remote).toMatchObject({ status: 'FAILED', interrupted: true, error: { name: 'Stepwise.ToolOutcomeUnknown', message: expect.stringContaining('may still be running') } });
    expect(remote.state.ledger.s.status).toBe('started');
    expect(local.status).toBe('COMPLETED');
    expect(toolMessages(localModel.requests[1])[0].content).toBe(`Error: ${new ToolTimeoutError('slow', 20).message}`);
  });

  it('stays started when the run is stopped while it runs (SIGTERM), and the run reports Stepwise.ContainerStopped', async () => {
    const controller = new AbortController();
    const keys: string[] = [];
    const effect = defineTool({
      name: 'effect',
      description: 'a side effect that notices the stop',
      parameters: z.object({}),
      execute: (_args, context) => {
        keys.push(context.idempotencyKey);
        if (keys.length > 1) return 'done';
        setTimeout(() => controller.abort(new ContainerStoppedError('SIGTERM')), 5);
        return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error('stopped'))));
      },
    });
    const agent = defineAgent({ name: 'fx', description: 'fx', tools: [effect], model: callsThenDone([{ id: 'x', name: 'effect', args: {} }]) });
    const snapshots: unknown[] = [];

    const stopped = await runAgent(agent, 'go', { runId: 'run-4', signal: controller.signal, onCheckpoint: async (state) => void snapshots.push(state.toJSON()) });

    expect(stopped).toMatchObject({ status: 'FAILED', interrupted: true, error: { name: 'Stepwise.ContainerStopped' } });
    const committed = RunState.fromJSON(snapshots.at(-1));
    expect(committed.ledger.x).toMatchObject({ status: 'started' });
    const resumed = await runAgent(agent, committed);
    expect(resumed.status).toBe('COMPLETED');
    expect(keys).toEqual(['run-4:x', 'run-4:x']);
  });
});
