import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { UserFileLimits, keysNotInCall, loadConfig, readRegularFile, type CostBreakdown, type StepwiseEvent, type StoredApproval } from '../../framework/internal';
import { answerApproval } from '../../state-machines';
import { costLine } from '../cost-summary';
import { costFromEvents } from '../run-summary';
import type { CliEnvironment } from '../environment';
import { ExitCode, UsageError } from '../errors';
import type { CliIo } from '../io';
import { progressPrinter } from '../progress';
import { approvalArguments, fullOutput } from '../target';
import { resolveTarget, targetFlags, targetUsage } from '../target-options';

type Command = (argv: readonly string[], env: CliEnvironment, io: CliIo) => Promise<number>;

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: readonly string[], options: T, usage: string, positionals: number) {
  const parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...targetFlags, ...options } });
  if (parsed.positionals.length < positionals) throw new UsageError(`Missing arguments. Usage: ${usage}`);
  return parsed;
}

const date = (value: Date | undefined): string => (value ? value.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

/** `stepwise start <agent> "<task>" [--session ID]`: starts an execution and prints its ARN. */
export const start: Command = async (argv, env, io) => {
  const usage = `stepwise start <agent> "<task>" [--session ID] [--name NAME] ${targetUsage}`;
  const { values, positionals } = parse(argv, { session: { type: 'string' }, name: { type: 'string' } }, usage, 2);
  const [agent, ...words] = positionals;
  const target = resolveTarget(values, env);
  const input = { task: words.join(' '), ...(values.session ? { sessionId: values.session } : {}) };
  const { executionArn } = await target.sfn.send(new StartExecutionCommand({ stateMachineArn: await target.stateMachineArn(agent), input: JSON.stringify(input), name: values.name }));
  io.out(executionArn ?? '');
  return ExitCode.Ok;
};

/** `stepwise status <arn>`: the execution's status, its output (the whole answer) or error, and its cost. */
export const status: Command = async (argv, env, io) => {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, `stepwise status <executionArn> [--json] ${targetUsage}`, 1);
  const target = resolveTarget(values, env);
  const executionArn = positionals[0];
  const execution = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const pending = execution.status === 'RUNNING' ? await target.approvals({ executionArn }) : [];
  const output = (await fullOutput(target, execution.output)) as { answer?: string; costUsd?: number | null; cost?: CostBreakdown; iterations?: number; resultError?: string } | null;
  // A succeeded execution's output has its cost (an older one only the total); otherwise the run's events have the latest.
  const { costUsd, cost } =
    output && (output.cost || output.costUsd !== undefined)
      ? { costUsd: output.costUsd ?? null, cost: output.cost }
      : ((await latestCost(target, executionArn)) ?? { costUsd: null, cost: undefined });
  if (values.json) {
    io.out(
      JSON.stringify({
        executionArn: execution.executionArn,
        status: execution.status,
        startDate: execution.startDate,
        stopDate: execution.stopDate,
        output,
        error: execution.error ?? null,
        cause: execution.cause ?? null,
        pendingApprovals: pending.map(({ taskToken: _token, ...rest }) => rest),
        costUsd,
        cost: cost ?? null,
      }),
    );
    return ExitCode.Ok;
  }
  io.out(`${execution.name}  ${execution.status}  started ${date(execution.startDate)}  stopped ${date(execution.stopDate)}`);
  if (pending.length) io.out(`waiting for approval: ${pending.map((approval) => `${approval.approvalId} (${approval.tool})`).join(', ')}`);
  if (output || cost) io.out(`iterations: ${output?.iterations ?? '-'} · ${costLine(costUsd, cost)}`);
  if (output?.answer) io.out(`\n${output.answer}`);
  if (typeof output?.resultError === 'string') io.error(`(${output.resultError})`);
  if (execution.error) io.out(`${execution.error}: ${execution.cause ?? ''}`);
  return ExitCode.Ok;
};

/** The latest cost the execution's events reported, when there are events to read. */
async function latestCost(target: ReturnType<typeof resolveTarget>, executionArn: string): Promise<ReturnType<typeof costFromEvents>> {
  const events: StepwiseEvent[] = [];
  try {
    for await (const logged of target.events(executionArn, { follow: false })) events.push(logged.event);
  } catch {
    return undefined; // no event log (yet): the cost is unknown, which the output says
  }
  return costFromEvents(events);
}

/** `stepwise list [--status S] [--agent A]`: executions, newest first. */
export const list: Command = async (argv, env, io) => {
  const { values } = parse(argv, { status: { type: 'string' }, agent: { type: 'string' } }, `stepwise list [--status S] [--agent A] ${targetUsage}`, 0);
  const statusFilter = values.status?.toUpperCase();
  if (statusFilter && !STATUSES.includes(statusFilter)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  const target = resolveTarget(values, env);
  const agents = values.agent ? [values.agent] : await agentNames(target, values);
  let count = 0;
  for (const agent of agents) {
    const { executions = [] } = await target.sfn.send(new ListExecutionsCommand({ stateMachineArn: await target.stateMachineArn(agent), statusFilter: statusFilter as ExecutionStatus | undefined }));
    for (const execution of executions) {
      io.out(`${execution.status?.padEnd(9)}  ${agent.padEnd(10)}  ${date(execution.startDate)}  ${execution.executionArn}`);
      count += 1;
    }
  }
  if (count === 0) io.error('no executions');
  return ExitCode.Ok;
};

async function agentNames(target: ReturnType<typeof resolveTarget>, values: { target?: string }): Promise<string[]> {
  if (target.kind === 'local') {
    const { ListStateMachinesCommand } = await import('@aws-sdk/client-sfn');
    const { stateMachines = [] } = await target.sfn.send(new ListStateMachinesCommand({}));
    return stateMachines.map((machine) => machine.name ?? '').filter(Boolean);
  }
  void values;
  const { config } = await loadConfig();
  return config.agents.map((agent) => agent.name);
}

/** `stepwise logs <arn> [--follow] [--history]`: the run's progress events (or the Step Functions history). */
export const logs: Command = async (argv, env, io) => {
  const { values, positionals } = parse(argv, { follow: { type: 'boolean' }, history: { type: 'boolean' }, json: { type: 'boolean' } }, `stepwise logs <executionArn> [--follow] [--history] [--json] ${targetUsage}`, 1);
  const target = resolveTarget(values, env);
  const executionArn = positionals[0];
  if (values.history) {
    let nextToken: string | undefined;
    do {
      const page = await target.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
      for (const event of page.events ?? []) io.out(values.json ? JSON.stringify(event) : `${String(event.id).padStart(4)}  ${date(event.timestamp)}  ${event.type}`);
      nextToken = page.nextToken;
    } while (nextToken);
    return ExitCode.Ok;
  }
  const print = progressPrinter(io.out, { color: env.color, writeText: io.outText });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  try {
    for await (const logged of target.events(executionArn, { follow: values.follow ?? false, signal: controller.signal })) {
      if (values.json) io.out(JSON.stringify(logged));
      else print(logged.event);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    process.removeListener('SIGINT', stop);
  }
  return ExitCode.Ok;
};

/** `stepwise approvals`: calls waiting for a human; `--json` gives each one's complete arguments. */
export const approvals: Command = async (argv, env, io) => {
  const { values } = parse(argv, { json: { type: 'boolean' }, execution: { type: 'string' } }, `stepwise approvals [--execution ARN] [--json] ${targetUsage}`, 0);
  const target = resolveTarget(values, env);
  const pending = await target.approvals({ executionArn: values.execution });
  if (values.json) {
    const complete = await Promise.all(pending.map(async ({ taskToken: _token, ...rest }) => ({ ...rest, args: await approvalArguments(target, rest as StoredApproval) })));
    io.out(JSON.stringify(complete));
    return ExitCode.Ok;
  }
  if (pending.length === 0) io.out('no pending approvals');
  for (const approval of pending) {
    io.out(`${approval.approvalId}  ${approval.agent}  ${approval.tool}  requested ${approval.requestedAt}  expires ${approval.expiresAt}`);
    io.out(approval.args ? `    args: ${JSON.stringify(approval.args).slice(0, 300)}` : `    args (long; \`stepwise approvals --json\` shows them whole): ${(approval.argsPreview ?? '').slice(0, 300)}`);
    if (approval.reasoning) io.out(`    reasoning: ${approval.reasoning.slice(0, 300)}`);
    io.out(`    execution: ${approval.executionArn}`);
  }
  return ExitCode.Ok;
};

async function findApproval(values: Parameters<typeof resolveTarget>[0], env: CliEnvironment, approvalId: string) {
  const target = resolveTarget(values, env);
  const approval = (await target.approvals()).find((candidate) => candidate.approvalId === approvalId);
  if (!approval) throw new UsageError(`No pending approval "${approvalId}" at the ${target.description}. "stepwise approvals" lists them.`);
  return { target, approval };
}

/** Reads `--<name>` or `--<name>-file`, never both; a file is read whole (values longer than a command line allows). */
function textOption(values: Record<string, unknown>, name: string, cwd: string): string | undefined {
  const inline = values[name] as string | undefined;
  const file = values[`${name}-file`] as string | undefined;
  if (inline !== undefined && file !== undefined) throw new UsageError(`Give --${name} or --${name}-file, not both`);
  if (file === undefined) return inline;
  // A device, a pipe or a huge file would hang the command or exhaust its memory.
  return readRegularFile(path.resolve(cwd, file), UserFileLimits.decisionBytes, (problem) => new UsageError(`--${name}-file: ${problem}`), 'an approval decision file');
}

/**
 * `stepwise approve <approvalId> [--args JSON | --args-file FILE] [--reason TEXT | --reason-file FILE]`:
 * SendTaskSuccess with `{"approved": true}`. `--args` holds the fields to change; they are merged
 * over the arguments the model asked for. Arguments and reasons of any size are sent: what is too
 * long for Step Functions is uploaded and sent by reference.
 */
export const approve: Command = async (argv, env, io) => {
  const usage = `stepwise approve <approvalId> [--args JSON | --args-file FILE] [--reason TEXT | --reason-file FILE] ${targetUsage}`;
  const { values, positionals } = parse(argv, { args: { type: 'string' }, 'args-file': { type: 'string' }, reason: { type: 'string' }, 'reason-file': { type: 'string' } }, usage, 1);
  const argsText = textOption(values, 'args', io.cwd);
  const reason = textOption(values, 'reason', io.cwd);
  let args: Record<string, unknown> | undefined;
  if (argsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(argsText);
    } catch (error) {
      throw new UsageError(`--args is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError("--args must be a JSON object of the tool's arguments");
    args = parsed as Record<string, unknown>;
  }
  const { target, approval } = await findApproval(values, env, positionals[0]);
  const callArgs = await approvalArguments(target, approval);
  if (args) refuseUnknownKeys(approval.tool, callArgs, args);
  const edited = args ? { ...callArgs, ...args } : undefined;
  await answerApproval(target.sfn, approval.taskToken, { approved: true, ...(edited ? { args: edited } : {}), ...(reason ? { reason } : {}) }, (value) => target.upload(value));
  io.out(`approved ${approval.approvalId} (${approval.tool})${args ? ` with ${Object.keys(args).join(', ')} edited` : ''}; the agent resumes.`);
  if (edited) io.out("(edited arguments are checked against the tool's schema when the agent resumes; if they do not fit, the agent is told why and the call does not run)");
  return ExitCode.Ok;
};

/**
 * A misspelt key would be dropped by the tool's schema and the call run unchanged while the approver
 * believes it was edited: refuse it before anything is sent. The call's own arguments name every
 * parameter (strict function calling), so no schema is needed here; the container checks again.
 */
function refuseUnknownKeys(tool: string, callArgs: Record<string, unknown>, edits: Record<string, unknown>): void {
  const unknown = keysNotInCall(callArgs, edits);
  if (unknown.length === 0) return;
  throw new UsageError(`--args names ${unknown.join(', ')}, which ${tool} does not take (its arguments: ${Object.keys(callArgs).join(', ')}). Nothing was sent; the call still waits.`);
}

/** `stepwise reject <approvalId> --reason TEXT | --reason-file FILE`: SendTaskFailure with the reason (of any length) the agent sees. */
export const reject: Command = async (argv, env, io) => {
  const { values, positionals } = parse(argv, { reason: { type: 'string' }, 'reason-file': { type: 'string' } }, `stepwise reject <approvalId> --reason TEXT | --reason-file FILE ${targetUsage}`, 1);
  const reason = textOption(values, 'reason', io.cwd);
  if (!reason?.trim()) throw new UsageError('reject needs --reason "<why>" (or --reason-file FILE): the agent sees it');
  const { target, approval } = await findApproval(values, env, positionals[0]);
  await answerApproval(target.sfn, approval.taskToken, { approved: false, reason }, (value) => target.upload(value));
  io.out(`rejected ${approval.approvalId} (${approval.tool}); the agent is told: ${reason.length > 300 ? `${reason.slice(0, 300)}… (${reason.length} characters)` : reason}`);
  return ExitCode.Ok;
};

/** `stepwise redrive <arn>`: restarts a failed execution from where it failed. */
export const redrive: Command = async (argv, env, io) => {
  const { values, positionals } = parse(argv, {}, `stepwise redrive <executionArn> ${targetUsage}`, 1);
  const target = resolveTarget(values, env);
  const { redriveDate } = await target.sfn.send(new RedriveExecutionCommand({ executionArn: positionals[0] }));
  io.out(`redriven at ${date(redriveDate)}: ${positionals[0]}`);
  return ExitCode.Ok;
};

/** `stepwise asl <agent> [--config FILE]`: prints the state machine definition (as the local engine runs it). */
export const asl: Command = async (argv, _env, io) => {
  const { values, positionals } = parse(argv, { config: { type: 'string' } }, 'stepwise asl <agent> [--config FILE]', 1);
  const { config } = await loadConfig(values.config, { cwd: io.cwd });
  const agent = config.agent(positionals[0]);
  const { buildAgentDefinition } = require('../../state-machines') as typeof import('../../state-machines');
  const { localResources } = require('../../local') as typeof import('../../local');
  io.out(JSON.stringify(buildAgentDefinition({ agentName: agent.name, approvalTimeoutSeconds: agent.approval.timeoutSeconds, resources: localResources }), null, 2));
  return ExitCode.Ok;
};
