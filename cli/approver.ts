import { createInterface } from 'node:readline/promises';
import { DecisionOutcome, parseEditedArguments, type Agent, type ApprovalDecision, type PendingApproval } from '../framework';
import { UsageError } from './errors';

/** How `--approve` decides pending calls. */
export const ApproveMode = { Ask: 'ask', All: 'all', None: 'none' } as const;
export type ApproveMode = (typeof ApproveMode)[keyof typeof ApproveMode];

/** Decides one pending approval. */
export type Approver = (approval: PendingApproval) => Promise<ApprovalDecision>;

/** Reads `--approve`; anything but ask|all|none is a usage error. */
export function parseApproveMode(value: string | undefined): ApproveMode {
  const mode = value ?? ApproveMode.Ask;
  if (!Object.values(ApproveMode).includes(mode as ApproveMode)) throw new UsageError(`--approve must be ask, all or none (got "${mode}")`);
  return mode as ApproveMode;
}

/**
 * The approver for a mode. `ask` prompts on the terminal (approve, reject with a reason, or edit
 * the arguments as JSON); without a terminal it behaves as `none`, and says so through `notice`.
 */
export function createApprover(
  mode: ApproveMode,
  io: { interactive: boolean; input: NodeJS.ReadableStream; output: NodeJS.WritableStream; notice: (line: string) => void },
  /** Checks edited arguments against the tool's schema: returns what is wrong, or undefined. */
  validate: (tool: string, args: Record<string, unknown>) => string | undefined = () => undefined,
): Approver {
  if (mode === ApproveMode.Ask && !io.interactive) {
    io.notice('--approve ask needs a terminal; there is none, so pending calls are rejected (as --approve none). Use --approve all to approve them.');
    mode = ApproveMode.None;
  }
  if (mode === ApproveMode.All) {
    return async (approval) => ({ approvalId: approval.approvalId, outcome: DecisionOutcome.Approved, reason: 'approved automatically (--approve all)' });
  }
  if (mode === ApproveMode.None) {
    return async (approval) => ({ approvalId: approval.approvalId, outcome: DecisionOutcome.Rejected, reason: 'rejected automatically (--approve none)' });
  }
  return (approval) => askOnTerminal(approval, io.input, io.output, validate);
}

async function askOnTerminal(
  approval: PendingApproval,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  validate: (tool: string, args: Record<string, unknown>) => string | undefined,
): Promise<ApprovalDecision> {
  const prompt = createInterface({ input, output, terminal: true });
  try {
    output.write(`\n${approval.tool} wants to run with:\n${JSON.stringify(approval.args, null, 2)}\n`);
    for (;;) {
      const answer = (await prompt.question('Approve? [a]pprove / [r]eject / [e]dit arguments: ')).trim().toLowerCase();
      if (answer === 'a' || answer === 'approve' || answer === 'y' || answer === 'yes') {
        return { approvalId: approval.approvalId, outcome: DecisionOutcome.Approved, reason: 'approved on the terminal' };
      }
      if (answer === 'r' || answer === 'reject' || answer === 'n' || answer === 'no') {
        const reason = (await prompt.question('Reason (the agent will see it): ')).trim() || 'rejected on the terminal';
        return { approvalId: approval.approvalId, outcome: DecisionOutcome.Rejected, reason };
      }
      if (answer === 'e' || answer === 'edit') {
        const text = await prompt.question('Arguments as one line of JSON: ');
        try {
          const args = JSON.parse(text) as unknown;
          if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error('it must be a JSON object');
          const problem = validate(approval.tool, args as Record<string, unknown>);
          if (problem) {
            output.write(`${problem}\nTry again.\n`);
            continue;
          }
          return { approvalId: approval.approvalId, outcome: DecisionOutcome.Approved, args: args as Record<string, unknown>, reason: 'approved with edited arguments' };
        } catch (error) {
          output.write(`That is not a JSON object (${(error as Error).message}). Try again.\n`);
        }
      }
    }
  } finally {
    prompt.close();
  }
}

/** Validates edited arguments with the agent's own tool schemas, naming the bad field. */
export function editedArgumentsValidator(agent: Agent): (tool: string, args: Record<string, unknown>) => string | undefined {
  return (tool: string, args: Record<string, unknown>) => {
    try {
      const found = agent.tools.find((candidate) => candidate.name === tool);
      if (found) parseEditedArguments(found, args);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
}
