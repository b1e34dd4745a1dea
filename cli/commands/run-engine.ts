import path from 'node:path';
import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DecisionOutcome, ErrorName, EventType, RunState, RunStatus, createStores, loadConfig, type RunResult, type StoredApproval } from '../../framework';
import { createApprover, editedArgumentsValidator, type Approver } from '../approver';
import type { CliEnvironment } from '../environment';
import { ExitCode } from '../errors';
import type { CliIo } from '../io';
import { startProjectEngine, type LocalEngine } from '../../local';
import { progressPrinter } from '../progress';
import { DEFAULT_LOCAL_ENDPOINT, localTarget, type Target } from '../target';
import { resolveWorkspace } from '../workspace';
import { printResult, type RunArguments } from './run';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a Stepwise engine that serves `agent` answers at `endpoint`. */
async function engineServes(endpoint: string, agent: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
    if (!response.ok) return false;
    const health = (await response.json()) as { stateMachines?: string[] };
    return health.stateMachines?.includes(agent) ?? false;
  } catch {
    return false;
  }
}

/**
 * Runs an agent through the real architecture on this machine: a Step Functions execution on
 * the local engine (started in this process when none is running), the agent in its container
 * process, tools through the Lambda API, approvals through task tokens.
 */
export async function runOnEngine(args: RunArguments, env: CliEnvironment, io: CliIo): Promise<number> {
  const { config, path: configPath } = await loadConfig(args.config, { cwd: io.cwd });
  const agent = config.agent(args.agent);
  const workspace = resolveWorkspace({ corpus: args.corpus, envCorpus: env.corpusDir, config, configPath, cwd: io.cwd });
  const root = path.resolve(io.cwd, '.stepwise');
  const progressLine = args.json ? io.error : io.out;
  const endpoint = args.endpoint ?? env.endpoint ?? DEFAULT_LOCAL_ENDPOINT;
  let engine: LocalEngine | undefined;
  if (!(args.endpoint === undefined && args.corpus === undefined && (await engineServes(endpoint, agent.name)))) {
    engine = await startProjectEngine({
      config,
      configPath,
      root,
      workspace,
      model: args.model ?? env.model,
      modelEnv: { OPENAI_BASE_URL: env.modelSettings.baseURL, OPENAI_API_KEY: env.modelSettings.apiKey },
    });
    progressLine(`(started a local engine at ${engine.endpoint}; state in ${root})`);
  } else {
    progressLine(`(using the running engine at ${endpoint})`);
  }
  try {
    const target = localTarget(engine?.endpoint ?? endpoint);
    const approver = createApprover(args.approve, { interactive: env.interactive, input: io.stdin, output: io.stderr, notice: io.error }, editedArgumentsValidator(agent));
    const input = { task: args.task, ...(args.model && !engine ? { options: { model: args.model } } : {}) };
    const { executionArn } = await target.sfn.send(new StartExecutionCommand({ stateMachineArn: await target.stateMachineArn(agent.name), input: JSON.stringify(input) }));
    progressLine(`execution: ${executionArn}`);
    const model = await followExecution(target, executionArn!, approver, progressPrinter(progressLine, { color: env.color && !args.json }));
    const result = await finalResult(target, executionArn!, root, model);
    printResult(result, args.json, io, { executionArn });
    return result.status === RunStatus.Completed ? ExitCode.Ok : ExitCode.RunFailed;
  } finally {
    await engine?.stop();
  }
}

/** Streams the execution's events, deciding approvals as they are requested, until the run ends. Returns the model id. */
async function followExecution(target: Target, executionArn: string, approver: Approver, print: (event: import('../../framework').StepwiseEvent) => void): Promise<string> {
  let model = 'offline';
  let after = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      for await (const logged of target.events(executionArn, { after, follow: true })) {
        after = logged.seq;
        const event = logged.event;
        print(event);
        if (event.type === EventType.RunStarted) model = event.model;
        if (event.type === EventType.ApprovalRequested) await decide(target, executionArn, event.approvalId, approver);
        if (event.type === EventType.RunFailed) return model;
        if (event.type === EventType.RunCompleted) return model;
      }
      const { status } = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') return model;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
    await sleep(200); // the stream ended early (a retried container): reconnect from the cursor
  }
}

/** Waits until the workflow has recorded the approval's task token, then answers it with the approver's decision. */
async function decide(target: Target, executionArn: string, approvalId: string, approver: Approver): Promise<void> {
  let approval: StoredApproval | undefined;
  for (let waited = 0; !approval; waited += 100) {
    approval = (await target.approvals({ executionArn })).find((candidate) => candidate.approvalId === approvalId);
    if (approval) break;
    const { status } = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING' || waited > 120_000) return;
    await sleep(100);
  }
  const { taskToken } = approval;
  const decision = await approver({
    approvalId: approval.approvalId,
    callId: approval.callId,
    tool: approval.tool,
    args: approval.args,
    reasoning: approval.reasoning,
    requestedAt: approval.requestedAt,
    timeoutSeconds: Math.max(0, Math.round((Date.parse(approval.expiresAt) - Date.now()) / 1000)),
  });
  if (decision.outcome === DecisionOutcome.Approved) {
    await target.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true, ...(decision.args ? { args: decision.args } : {}), ...(decision.reason ? { reason: decision.reason } : {}) }) }));
  } else {
    await target.sfn.send(new SendTaskFailureCommand({ taskToken, error: ErrorName.ApprovalRejected, cause: decision.reason ?? 'rejected' }));
  }
}

/** The run's result as `stepwise run` reports it: the execution's outcome and the checkpointed run state. */
async function finalResult(target: Target, executionArn: string, root: string, model: string): Promise<RunResult> {
  let execution = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (execution.status === 'RUNNING') {
    await sleep(100);
    execution = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  const checkpoint = await createStores({ kind: 'file', root }).checkpoints.load(executionArn);
  const state = checkpoint ? RunState.fromJSON(checkpoint.state) : RunState.start({ agent: 'unknown', task: '-', runId: executionArn });
  const output = execution.output ? (JSON.parse(execution.output) as { answer?: string; usage?: RunResult['usage']; costUsd?: number; iterations?: number }) : {};
  const base = { state, iterations: output.iterations ?? state.iterations, usage: output.usage ?? state.usage, costUsd: output.costUsd ?? state.costUsd, model };
  if (execution.status === 'SUCCEEDED') return { ...base, status: RunStatus.Completed, answer: output.answer ?? state.answer ?? '' };
  return { ...base, status: RunStatus.Failed, error: { name: execution.error ?? ErrorName.InternalError, message: execution.cause ?? `the execution ended ${execution.status}` } };
}
