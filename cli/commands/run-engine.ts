import path from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DecisionOutcome, ErrorName, EventType, RunStatus, loadConfig, type CostBreakdown, type StepwiseEvent, type StoredApproval } from '../../framework/internal';
import { projectIdentity, startProjectEngine, type EngineModels, type EngineProject, type LocalEngine } from '../../local';
import { answerApproval } from '../../state-machines';
import { createApprover, editedArgumentsValidator, type Approver } from '../approver';
import { checkModelBeforeStart } from '../model-check';
import type { CliEnvironment } from '../environment';
import { ExitCode, UsageError } from '../errors';
import type { CliIo } from '../io';
import { progressPrinter } from '../progress';
import { costFromEvents, toolCallsFromEvents, type RunOutcome } from '../run-summary';
import { DEFAULT_LOCAL_ENDPOINT, approvalArguments, awsTarget, fullOutput, localTarget, type Target } from '../target';
import { resolveWorkspace } from '../workspace';
import { printResult, type RunArguments } from './run';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a run waits for `stepwise dev` to reload a config saved just before (its quiet time is 200 ms). */
const RELOAD_WAIT_MS = 3_000;

/** How long to wait for the workflow to record an approval's task token after the agent asked. */
const APPROVAL_LOOKUP_TIMEOUT_MS = 120_000;

/** What answers at an endpoint: nothing, an engine running this very config, or another engine. */
type EngineAtEndpoint =
  | { readonly kind: 'none' }
  | { readonly kind: 'same'; readonly models: EngineModels }
  | { readonly kind: 'other'; readonly why: string; readonly root?: string };

/**
 * Whether the engine at `endpoint` runs this project's config, as it is now: same file, same
 * contents (an edited config needs a restarted engine), serving `agent`. Matching on the agent's
 * name alone once made one project's run use another project's engine, code and outbox.
 */
async function engineAt(endpoint: string, agent: string, identity: EngineProject): Promise<EngineAtEndpoint> {
  let health: { stateMachines?: string[]; project?: Partial<EngineProject>; models?: EngineModels };
  // `stepwise dev` reloads a saved config after a short quiet time: a run started right after the
  // save waits for that reload rather than being refused.
  const reloadDeadline = Date.now() + RELOAD_WAIT_MS;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      if (!response.ok) return { kind: 'none' };
      health = (await response.json()) as typeof health;
    } catch {
      return { kind: 'none' };
    }
    const seen = health.project;
    if (seen?.configPath !== identity.configPath || seen.configHash === identity.configHash || Date.now() >= reloadDeadline) break;
    await sleep(250);
  }
  const project = health.project;
  if (project?.configPath === undefined) return { kind: 'other', why: 'it does not say which project it serves (an older Stepwise)' };
  if (project.configPath !== identity.configPath) return { kind: 'other', why: `it runs ${project.configPath}`, root: project.root };
  if (project.configHash !== identity.configHash) {
    return { kind: 'other', why: `${identity.configPath} changed since it loaded it ("stepwise dev" reloads on save, and prints why when a reload fails)`, root: project.root };
  }
  if (!(health.stateMachines ?? []).includes(agent)) return { kind: 'other', why: `it serves no agent "${agent}"`, root: project.root };
  return { kind: 'same', models: health.models ?? {} };
}

/**
 * Runs an agent through the real architecture on this machine: a Step Functions execution on
 * the local engine (started in this process when none is running), the agent in its container
 * process, tools through the Lambda API, approvals through task tokens.
 */
export async function runOnEngine(args: RunArguments, env: CliEnvironment, io: CliIo): Promise<number> {
  const { config, path: configPath } = await loadConfig(args.config, { cwd: io.cwd });
  const agent = config.agent(args.agent);
  const progressLine = args.json ? io.error : io.out;
  const endpoint = args.endpoint ?? env.endpoint ?? DEFAULT_LOCAL_ENDPOINT;
  const root = path.resolve(io.cwd, '.stepwise');
  const found = await engineAt(endpoint, agent.name, projectIdentity(configPath, root));
  const running = found.kind === 'same';
  if (args.endpoint && found.kind === 'none') {
    throw new UsageError(`No Stepwise engine serving agent "${agent.name}" answers at ${args.endpoint}. Start one with "stepwise dev", or leave out --endpoint.`);
  }
  if (found.kind === 'other' && (args.endpoint !== undefined || found.root === path.dirname(root))) {
    // Its own engine would share this folder's .stepwise/ with the running one, which owns it.
    throw new UsageError(`The engine at ${endpoint} does not run this config: ${found.why}. Restart it ("stepwise dev${args.config ? ` --config ${args.config}` : ''}") to run this config${args.endpoint ? ', or leave out --endpoint' : ''}.`);
  }
  if (running && args.corpus) {
    throw new UsageError(`The engine at ${endpoint} is running and uses the corpus it was started with; --corpus applies when "stepwise run" starts its own engine. Restart it with "stepwise dev --corpus ${args.corpus}", or stop it.`);
  }
  // The run's model is checked before anything starts; the environment too when this process
  // starts the engine (a running engine's containers get that engine's environment and models).
  const engineModels = found.kind === 'same' ? found.models : { fallback: env.model };
  checkModelBeforeStart({ override: engineModels.override, run: args.model, agent: agent.model, config: config.model, fallback: engineModels.fallback }, agent, running ? undefined : env.modelSettings);
  if (engineModels.override && args.model && args.model !== engineModels.override) {
    progressLine(`(--model ${args.model} does not apply: the engine at ${endpoint} runs every agent on ${engineModels.override}, its "stepwise dev --model")`);
  }
  let engine: LocalEngine | undefined;
  if (running) {
    progressLine(`(using the running engine at ${endpoint})`);
  } else {
    if (found.kind === 'other') progressLine(`(not using the engine at ${endpoint}: ${found.why})`);
    engine = await startProjectEngine({
      config,
      configPath,
      root,
      workspace: resolveWorkspace({ corpus: args.corpus, envCorpus: env.corpusDir, cwd: io.cwd }),
      model: env.model,
      modelEnv: env.modelEnv,
      containerV8: env.containerV8,
    });
    progressLine(`(started a local engine at ${engine.endpoint}; state in ${root})`);
  }
  try {
    return await runWorkflow(localTarget(engine?.endpoint ?? endpoint), agent.name, args, env, io, editedArgumentsValidator(agent));
  } finally {
    await engine?.stop();
  }
}

/**
 * Runs an agent on the deployed stack (`--target aws`): starts an execution of its state machine,
 * streams its progress from the stack's events endpoint (signed with your AWS credentials), and
 * decides its approvals through their task tokens, exactly as `runOnEngine` does locally.
 */
export async function runOnAws(args: RunArguments, env: CliEnvironment, io: CliIo): Promise<number> {
  const target = awsTarget(args.stack ?? 'Stepwise', args.region);
  // The local config, when it defines the agent, checks edited arguments before they are sent.
  let validate: ((tool: string, edited: Record<string, unknown>) => string | undefined) | undefined;
  try {
    const { config } = await loadConfig(args.config, { cwd: io.cwd });
    const agent = config.agents.find((candidate) => candidate.name === args.agent);
    if (agent) validate = editedArgumentsValidator(agent);
  } catch (error) {
    if (args.config !== undefined) throw error;
  }
  (args.json ? io.error : io.out)(`(running on ${target.description})`);
  return runWorkflow(target, args.agent, args, env, io, validate);
}

/** Starts the agent's execution on `target`, follows it to its end, and prints the result. */
async function runWorkflow(
  target: Target,
  agentName: string,
  args: RunArguments,
  env: CliEnvironment,
  io: CliIo,
  validate?: (tool: string, edited: Record<string, unknown>) => string | undefined,
): Promise<number> {
  const progressLine = args.json ? io.error : io.out;
  const approver = createApprover(
    args.approve,
    {
      interactive: env.interactive,
      input: io.stdin,
      output: io.stderr,
      notice: io.error,
      editor: env.editor,
      decideLater: (approval) =>
        `The execution waits for it (it is kept with the engine's state): decide later with "stepwise approve ${approval.approvalId}" or "stepwise reject ${approval.approvalId} --reason TEXT"${target.kind === 'local' ? ' while "stepwise dev" runs' : ''}, or in the console.`,
    },
    validate,
  );
  // The model travels in the execution input, which outranks the agent's and the config's own.
  const input = { task: args.task, ...(args.model ? { options: { model: args.model } } : {}) };
  const { executionArn } = await target.sfn.send(new StartExecutionCommand({ stateMachineArn: await target.stateMachineArn(agentName), input: JSON.stringify(input) }));
  progressLine(`execution: ${executionArn}`);
  const printer = progressPrinter(progressLine, { color: env.color && !args.json, writeText: args.json ? io.errorText : io.outText });
  const events = await followExecution(target, executionArn!, approver, printer);
  const outcome = await finalOutcome(target, executionArn!, events);
  printResult(outcome, args.json, io, { answerShown: outcome.answer !== null && printer.answerShown(outcome.answer) });
  return outcome.status === RunStatus.Completed ? ExitCode.Ok : ExitCode.RunFailed;
}

/** Streams the execution's events, deciding approvals as they are requested, until the run ends. */
async function followExecution(target: Target, executionArn: string, approver: Approver, print: (event: StepwiseEvent) => void): Promise<StepwiseEvent[]> {
  const seen: StepwiseEvent[] = [];
  let after = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      for await (const logged of target.events(executionArn, { after, follow: true })) {
        const event = logged.event;
        if (logged.seq > after) {
          print(event);
          seen.push(event);
        }
        if (event.type === EventType.ApprovalRequested) await decide(target, executionArn, event.approvalId, approver);
        // Only past this point is the event handled: a stream that breaks before re-delivers it.
        after = Math.max(after, logged.seq);
        if (event.type === EventType.RunFailed || event.type === EventType.RunCompleted) return seen;
      }
      const { status } = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') return seen;
    } catch (error) {
      if (error instanceof UsageError || attempt >= 5) throw error;
    }
    await sleep(200); // the stream ended early (a retried container): reconnect from the cursor
  }
}

/** Waits until the workflow has recorded the approval's task token, then answers it with the approver's decision. */
async function decide(target: Target, executionArn: string, approvalId: string, approver: Approver): Promise<void> {
  let approval: StoredApproval | undefined;
  for (const started = Date.now(); !approval; await sleep(target.kind === 'aws' ? 1_000 : 100)) {
    approval = (await target.approvals({ executionArn })).find((candidate) => candidate.approvalId === approvalId);
    if (approval) break;
    const { status } = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return; // decided elsewhere, or the execution ended
    if (Date.now() - started > APPROVAL_LOOKUP_TIMEOUT_MS) {
      throw new UsageError(`The workflow did not record approval ${approvalId} within ${APPROVAL_LOOKUP_TIMEOUT_MS / 1000} s. Decide it with "stepwise approve ${approvalId}" once "stepwise approvals" lists it.`);
    }
  }
  const decision = await approver({
    approvalId: approval.approvalId,
    callId: approval.callId,
    tool: approval.tool,
    args: await approvalArguments(target, approval),
    reasoning: approval.reasoning,
    requestedAt: approval.requestedAt,
    timeoutSeconds: Math.max(0, Math.round((Date.parse(approval.expiresAt) - Date.now()) / 1000)),
  });
  const approved = decision.outcome === DecisionOutcome.Approved;
  const args = approved && 'args' in decision ? decision.args : undefined;
  await answerApproval(target.sfn, approval.taskToken, { approved, ...(args ? { args } : {}), reason: decision.reason ?? (approved ? undefined : 'rejected') }, (value) => target.upload(value));
}

/** The run's outcome as `stepwise run` reports it: the execution's result and the events it streamed. */
async function finalOutcome(target: Target, executionArn: string, events: readonly StepwiseEvent[]): Promise<RunOutcome> {
  let execution = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (execution.status === 'RUNNING') {
    // DescribeExecution is throttled on AWS; the local engine answers at once.
    await sleep(target.kind === 'aws' ? 1_000 : 100);
    execution = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  const output = ((await fullOutput(target, execution.output)) ?? {}) as { answer?: string; usage?: RunOutcome['usage']; costUsd?: number | null; cost?: CostBreakdown; iterations?: number };
  const reported = costFromEvents(events);
  const started = events.find((event) => event.type === EventType.RunStarted);
  const usage = [...events].reverse().find((event) => event.type === EventType.UsageUpdated);
  const succeeded = execution.status === 'SUCCEEDED';
  return {
    status: succeeded ? RunStatus.Completed : RunStatus.Failed,
    answer: succeeded ? (output.answer ?? '') : null,
    iterations: output.iterations ?? Math.max(0, ...events.map((event) => event.iteration)),
    toolCalls: toolCallsFromEvents(events),
    usage: output.usage ?? (usage?.type === EventType.UsageUpdated ? usage.usage : { inputTokens: 0, outputTokens: 0 }),
    costUsd: output.cost ? (output.costUsd ?? null) : (reported?.costUsd ?? null),
    cost: output.cost ?? reported?.cost,
    model: started?.type === EventType.RunStarted ? started.model : 'offline',
    ...(succeeded ? {} : { error: { name: execution.error ?? ErrorName.InternalError, message: execution.cause ?? `the execution ended ${execution.status}` } }),
    executionArn,
  };
}
