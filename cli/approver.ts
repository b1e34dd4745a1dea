import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DecisionOutcome, StepwiseError, parseEditedArguments, type Agent, type ApprovalDecision, type PendingApproval } from '../framework/internal';
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

/** What the terminal approver needs from the CLI's edge. */
export interface ApproverIo {
  readonly interactive: boolean;
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly notice: (line: string) => void;
  /** `$VISUAL` or `$EDITOR`: the prompt can open the arguments in it. */
  readonly editor?: string;
  /** How the user decides an approval later, after leaving the prompt with Ctrl-C. */
  readonly decideLater?: (approval: PendingApproval) => string;
}

/** Ctrl-C at the approval prompt: the approval stays undecided and the command ends (exit 130). */
export class ApprovalPromptInterrupted extends StepwiseError {
  constructor(approval: PendingApproval, hint: string) {
    super(`Left approval ${approval.approvalId} (${approval.tool}) undecided. ${hint}`, { code: 'Stepwise.Interrupted', fault: 'user' });
  }
}

/**
 * The approver for a mode. `ask` prompts on the terminal (approve, reject with a reason, edit the
 * arguments as JSON merged into the call's, or in `$EDITOR`); one Ctrl-C leaves the approval
 * undecided and ends the command. Without a terminal `ask` behaves as `none`, and says so.
 *
 * @example
 * const approver = createApprover('ask', { interactive: true, input: process.stdin, output: process.stderr, notice: console.error });
 */
export function createApprover(
  mode: ApproveMode,
  io: ApproverIo,
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
  return (approval) => askOnTerminal(approval, io, validate);
}

/** The longest string value shown whole at the prompt; longer ones are cut, with their length. */
const SHOWN_STRING_CHARS = 400;

/** Arguments as the prompt shows them: indented JSON with long strings cut and their length said. */
export function readableArguments(args: Record<string, unknown>): string {
  return JSON.stringify(
    args,
    (_key, value: unknown) =>
      typeof value === 'string' && value.length > SHOWN_STRING_CHARS ? `${value.slice(0, SHOWN_STRING_CHARS)}… (${value.length - SHOWN_STRING_CHARS} more characters)` : value,
    2,
  );
}

async function askOnTerminal(approval: PendingApproval, io: ApproverIo, validate: (tool: string, args: Record<string, unknown>) => string | undefined): Promise<ApprovalDecision> {
  const { input, output } = io;
  const original = approval.args ?? {};
  const interrupted = new AbortController();
  const prompt = createInterface({ input, output, terminal: true });
  // In a terminal, readline takes Ctrl-C as input: without this it would be ignored.
  prompt.on('SIGINT', () => interrupted.abort());
  const ask = async (question: string): Promise<string> => {
    try {
      return await prompt.question(question, { signal: interrupted.signal });
    } catch (error) {
      if (interrupted.signal.aborted) {
        output.write('\n');
        throw new ApprovalPromptInterrupted(approval, io.decideLater?.(approval) ?? 'Nothing was sent.');
      }
      throw error;
    }
  };
  /** Edits merge into the call's arguments, as `stepwise approve --args` does; a key set to null clears a nullable field. */
  const decideEdited = (text: string): ApprovalDecision | string => {
    let edited: unknown;
    try {
      edited = JSON.parse(text);
    } catch (error) {
      return `That is not JSON (${(error as Error).message}).`;
    }
    if (typeof edited !== 'object' || edited === null || Array.isArray(edited)) return 'The edits must be a JSON object of the fields to change.';
    const args = { ...original, ...(edited as Record<string, unknown>) };
    const problem = validate(approval.tool, args);
    if (problem) return problem;
    return { approvalId: approval.approvalId, outcome: DecisionOutcome.Approved, args, reason: 'approved with edited arguments' };
  };
  try {
    output.write(`\n${approval.tool} wants to run with:\n${readableArguments(original)}\n`);
    const choices = `[a]pprove / [r]eject / [e]dit arguments${io.editor ? ' / [v] edit in $EDITOR' : ''}: `;
    for (;;) {
      const answer = (await ask(`Approve? ${choices}`)).trim().toLowerCase();
      if (answer === 'a' || answer === 'approve' || answer === 'y' || answer === 'yes') {
        return { approvalId: approval.approvalId, outcome: DecisionOutcome.Approved, reason: 'approved on the terminal' };
      }
      if (answer === 'r' || answer === 'reject' || answer === 'n' || answer === 'no') {
        const reason = (await ask('Reason (the agent will see it): ')).trim() || 'rejected on the terminal';
        return { approvalId: approval.approvalId, outcome: DecisionOutcome.Rejected, reason };
      }
      if (answer === 'e' || answer === 'edit' || (answer === 'v' && io.editor)) {
        const text = answer === 'v' ? editInEditor(io.editor!, original, output) : await ask('Fields to change, as one line of JSON (merged into the arguments): ');
        if (text === undefined) continue;
        const decision = decideEdited(text);
        if (typeof decision !== 'string') return decision;
        output.write(`${decision} Try again.\n`);
      }
    }
  } finally {
    prompt.close();
  }
}

/** Opens the whole arguments in the user's editor; what is saved is merged like typed edits. */
function editInEditor(editor: string, args: Record<string, unknown>, output: NodeJS.WritableStream): string | undefined {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-edit-'));
  const file = path.join(folder, 'arguments.json');
  try {
    writeFileSync(file, `${JSON.stringify(args, null, 2)}\n`);
    // The editor is a command line (e.g. "code --wait"), as git and others take it.
    const result = spawnSync(`${editor} "${file}"`, { shell: true, stdio: 'inherit' });
    if (result.status !== 0) {
      output.write(`The editor (${editor}) exited with ${result.status ?? result.signal}; nothing changed.\n`);
      return undefined;
    }
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(folder, { recursive: true, force: true });
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
