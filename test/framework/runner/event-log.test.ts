import { MemoryCheckpointStore, defineAgent, loadRunState, runAgent, type StepwiseEvent } from '../../../framework/internal';
import { scriptedModel } from '../../../framework/testing';
import { add, sendEmailTool } from '../../helpers/test-tools';

/** Answers "done" once it has seen a tool result, else asks for the given calls. */
const callsThenDone = (calls: { id: string; name: string; args: unknown }[]) =>
  scriptedModel((request) => (request.messages.some((message) => message.role === 'tool') ? { text: 'done' } : { text: 'working', toolCalls: calls }));

/** An event log that refuses the first event of the given type (a full disk, a throttled table), then works. */
function flakyLog(failOn: string) {
  const logged: StepwiseEvent[] = [];
  let failed = false;
  const log = async (event: StepwiseEvent): Promise<void> => {
    if (!failed && event.type === failOn) {
      failed = true;
      throw new Error('ENOSPC: no space left on device, write');
    }
    logged.push(event);
  };
  return { log, logged };
}

describe('the durable event log', () => {
  it('that loses an approval request stops the run as an interruption; run again, the request reaches the log and nothing ran', async () => {
    const sent: { to: string; idempotencyKey: string }[] = [];
    const agent = defineAgent({ name: 'mailer', description: 'mails', tools: [sendEmailTool(sent)], model: callsThenDone([{ id: 'e', name: 'send_email', args: { to: 'ops@example.com', body: 'hi' } }]) });
    const { log, logged } = flakyLog('approval.requested');
    const checkpointStore = new MemoryCheckpointStore();
    const observed: StepwiseEvent[] = [];

    const first = await runAgent(agent, 'mail it', { runId: 'run-log-1', checkpointStore, eventLog: log, onEvent: (event) => void observed.push(event) });

    expect(first).toMatchObject({ status: 'FAILED', interrupted: true, error: { name: 'Stepwise.EventLogUnavailable', message: expect.stringContaining('"approval.requested"') } });
    // Nothing says the run waits for a human while the log does not know it.
    expect((await loadRunState(checkpointStore, 'run-log-1'))?.status).toBe('RUNNING');
    expect(observed.at(-1)).toMatchObject({ type: 'run.interrupted', error: { name: 'Stepwise.EventLogUnavailable' } });
    expect(logged.map((event) => event.type)).not.toContain('run.interrupted');

    const again = await runAgent(agent, { resume: 'run-log-1' }, { checkpointStore, eventLog: log });

    expect(again.status).toBe('AWAITING_APPROVAL');
    if (again.status !== 'AWAITING_APPROVAL') return;
    expect(logged.filter((event) => event.type === 'approval.requested')).toEqual([expect.objectContaining({ approvalId: again.approvals[0].approvalId, callId: 'e' })]);
    expect(sent).toEqual([]);
  });

  it('that loses the event of a committed step records it first when the run goes on, and the tool does not run again', async () => {
    const agent = defineAgent({ name: 'adder', description: 'adds', tools: [add], model: callsThenDone([{ id: 'a', name: 'add', args: { a: 2, b: 3 } }]) });
    const { log, logged } = flakyLog('tool.completed');
    const checkpointStore = new MemoryCheckpointStore();

    const first = await runAgent(agent, 'add', { runId: 'run-log-2', checkpointStore, eventLog: log });

    expect(first).toMatchObject({ status: 'FAILED', interrupted: true, error: { name: 'Stepwise.EventLogUnavailable' } });
    expect((await loadRunState(checkpointStore, 'run-log-2'))?.ledger.a.status).toBe('completed');

    const model = callsThenDone([{ id: 'a', name: 'add', args: { a: 2, b: 3 } }]);
    const resumed = await runAgent({ ...agent, model }, { resume: 'run-log-2' }, { checkpointStore, eventLog: log });

    expect(resumed.status).toBe('COMPLETED');
    const types = logged.map((event) => event.type);
    expect(types.filter((type) => type === 'tool.completed')).toHaveLength(1);
    // The lost event comes before anything of the next turn.
    expect(types.indexOf('tool.completed')).toBeLessThan(types.lastIndexOf('run.started'));
    expect(types.at(-1)).toBe('run.completed');
    expect(model.requests).toHaveLength(1);
  });

  it('that loses the run\'s end records it when the finished run is run again', async () => {
    const agent = defineAgent({ name: 'adder', description: 'adds', tools: [add], model: scriptedModel(() => ({ text: 'forty-two' })) });
    const { log, logged } = flakyLog('run.completed');
    const checkpointStore = new MemoryCheckpointStore();

    const first = await runAgent(agent, 'answer', { runId: 'run-log-3', checkpointStore, eventLog: log });
    const again = await runAgent(agent, { resume: 'run-log-3' }, { checkpointStore, eventLog: log });

    expect(first).toMatchObject({ status: 'FAILED', interrupted: true });
    expect(again).toMatchObject({ status: 'COMPLETED', answer: 'forty-two' });
    expect(logged.filter((event) => event.type === 'run.completed')).toEqual([expect.objectContaining({ answer: 'forty-two' })]);
  });

  it('is separate from observers: an observer that throws changes nothing', async () => {
    const agent = defineAgent({ name: 'adder', description: 'adds', tools: [add], model: callsThenDone([{ id: 'a', name: 'add', args: { a: 1, b: 1 } }]) });
    const logged: StepwiseEvent[] = [];

    const result = await runAgent(agent, 'add', { eventLog: (event) => void logged.push(event), onEvent: () => { throw new Error('the terminal went away'); } });

    expect(result.status).toBe('COMPLETED');
    expect(logged.map((event) => event.type)).toEqual(['run.started', 'usage.updated', 'model.step', 'tool.called', 'tool.completed', 'usage.updated', 'model.step', 'run.completed']);
  });
});
