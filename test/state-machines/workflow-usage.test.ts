import { RunState } from '../../framework';
import { workflowUsage } from '../../state-machines';

function pausedRun(runId: string): RunState {
  const state = RunState.start({ agent: 'mailer', task: 'mail the boss', runId });
  const data = state.mutable;
  data.ledger.call_1 = { callId: 'call_1', idempotencyKey: `${runId}:call_1`, tool: 'send', args: {}, status: 'awaiting_approval', iteration: 1 };
  data.pendingApprovals = [{ approvalId: 'apv-1', callId: 'call_1', tool: 'send', args: {}, reasoning: '', requestedAt: '', timeoutSeconds: 60 }];
  data.status = 'AWAITING_APPROVAL';
  return state;
}

describe('workflowUsage', () => {
  it('counts the states a turn that pauses leads to, and one notifier call per approval', () => {
    // Initialize, RunAgent, CheckTurnStatus, RequestApprovals, RequestApproval.
    expect(workflowUsage(pausedRun('exec-1').toJSON(), 1)).toMatchObject({ stateTransitions: 5, lambdaRequests: 1 });
  });

  it('counts a rejected approval, its recorded decision and the end of the run, and a retried turn once more', () => {
    const state = pausedRun('exec-1');
    const data = state.mutable;
    data.ledger.call_1.status = 'rejected';
    data.ledger.call_1.approval = { approvalId: 'apv-1', outcome: 'rejected', edited: false };
    data.pendingApprovals = [];
    data.status = 'COMPLETED';

    // + RecordDecision, NextTurn, RunAgent ×2 (one retry), CheckTurnStatus, ApprovalRejected, ShapeResult, Succeeded.
    expect(workflowUsage(data, 3)).toMatchObject({ stateTransitions: 5 + 2 + 2 + 1 + 1 + 2, lambdaRequests: 2 });
  });

  it('does not count the approvals of earlier executions of the same session', () => {
    const earlier = pausedRun('exec-1').mutable.ledger.call_1;
    const state = RunState.start({ agent: 'mailer', task: 'follow up', runId: 'exec-2' });
    state.mutable.ledger.call_1 = { ...earlier, status: 'completed', approval: { approvalId: 'apv-1', outcome: 'approved', edited: false } };
    state.mutable.status = 'COMPLETED';

    // Initialize, RunAgent, CheckTurnStatus, ShapeResult, Succeeded.
    expect(workflowUsage(state.toJSON(), 1)).toMatchObject({ stateTransitions: 5, lambdaRequests: 0 });
  });
});
