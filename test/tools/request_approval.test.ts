import { requestApproval } from '../../tools/request_approval/tool';
import { run, toolContext } from './tool-context';

const args = { action: 'Email the report to 40 customers', reasoning: 'They asked for it', risk_level: 'medium' };

describe('request_approval', () => {
  it('always asks a human and still runs after a rejection', () => {
    expect(requestApproval.needsApproval).toBe(true);
    expect(requestApproval.handlesRejection).toBe(true);
  });

  it('reports an approval with the reviewer reason', async () => {
    const result = await run(requestApproval, args, toolContext({}, { approval: { approved: true, outcome: 'approved', reason: 'Go ahead' } }));

    expect(result).toEqual({ approved: true, outcome: 'approved', reason: 'Go ahead', action: args.action, risk_level: 'medium' });
  });

  it('reports a rejection or a timeout as not approved', async () => {
    const rejected = await run(requestApproval, args, toolContext({}, { approval: { approved: false, outcome: 'rejected', reason: 'Too many recipients' } }));
    const timedOut = await run(requestApproval, args, toolContext({}, { approval: { approved: false, outcome: 'timeout' } }));

    expect(rejected).toMatchObject({ approved: false, outcome: 'rejected', reason: 'Too many recipients' });
    expect(timedOut).toMatchObject({ approved: false, outcome: 'timeout', reason: null });
  });

  it('rejects an unknown risk level', () => {
    expect(() => requestApproval.parse({ ...args, risk_level: 'extreme' })).toThrow(/risk_level/);
  });
});
