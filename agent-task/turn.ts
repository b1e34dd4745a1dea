import type { LambdaInvokeApi, StepFunctionsApi } from '../framework/aws';
import { InvalidInputError, RunStatus, StepwiseError, contextOfConfig, createStores, chooseModel, lambdaToolFrom, loadCompiledConfig, loadConfig, runAgent, saveRunState, type AnyTool, type LoadedConfig, type RunPlatform, type StoreSet, type ToolInvoker } from '../framework/internal';
import { workflowUsage, type TurnOutput } from '../state-machines';
import { loadDecisions, loadOrStartState, recordDecisions, sessionKey } from './checkpoints';
import type { ContainerConfig } from './environment';
import { readExecutionInput } from './execution-input';
import { turnOutputOf } from './turn-output';

/** Clients and stores of one container run, made at the edge (main) and injectable in tests. */
export interface TurnDependencies {
  readonly stores: StoreSet;
  /** Invokes the tools that run as Lambda functions. */
  readonly lambda: LambdaInvokeApi;
  /** Reads the execution input (DescribeExecution on the container's own execution). */
  readonly sfn: StepFunctionsApi;
  /** When the container started (epoch ms), for its billed time. @default when `runTurn` is called */
  readonly startedAt?: number;
}

/** How an execution's cost is counted in this container: its size and start, and the workflow's shape. */
function platformOf(config: ContainerConfig, startedAt: number): RunPlatform {
  return {
    ...(config.taskSize ? { container: { ...config.taskSize, startedAt } } : {}),
    workflowUsage: (state) => workflowUsage(state, state.resources.containerTurns),
  };
}

/** The stores for a container config's `STEPWISE_STORE`. */
export function storesFor(config: ContainerConfig): StoreSet {
  const location = config.store;
  return location.kind === 'file'
    ? createStores({ kind: 'file', root: location.directory })
    : createStores({
        kind: 'aws',
        runStateTable: location.runStateTable,
        eventsTable: location.eventsTable,
        approvalsTable: location.approvalsTable,
        bucket: location.bucket,
        // Session checkpoints outlive their execution by the same period: a follow-up weeks later starts afresh.
        ...(config.retentionDays ? { eventTtlSeconds: config.retentionDays * 86_400, checkpointTtlSeconds: config.retentionDays * 86_400 } : {}),
      });
}

/**
 * The config: compiled ahead of time when the environment names the compiled file (no TypeScript
 * toolchain at start), else compiled now from its source. A compiled config that Node cannot
 * `require` (it imports a package that is ES modules only) is loaded from its source instead.
 */
async function loadContainerConfig(config: ContainerConfig): Promise<LoadedConfig> {
  if (!config.compiledConfigPath) return loadConfig(config.configPath);
  try {
    return loadCompiledConfig(config.compiledConfigPath, config.configPath);
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ERR_REQUIRE_ESM') throw error;
    return loadConfig(config.configPath);
  }
}

/**
 * Runs one turn of the agent: read the execution input, load the checkpoint (a turn after the
 * first must find one), apply the decisions the workflow recorded for the approvals it waits for,
 * and run until the agent completes, fails or needs a human, appending every step to the run's
 * journal (`runAgent` with `checkpointStore`, the same API a program uses in process).
 * Returns the turn output, bounded whatever the model produced.
 *
 * @throws StepwiseError with the interruption's code (`Stepwise.ToolOutcomeUnknown`,
 *   `Stepwise.ContainerStopped`, `Stepwise.Aborted`, `Stepwise.EventLogUnavailable`) when the turn stopped without an outcome: the
 *   workflow runs it again and it continues from its checkpoint.
 */
export async function runTurn(config: ContainerConfig, dependencies: TurnDependencies, signal?: AbortSignal): Promise<TurnOutput> {
  // Asked first, so the request is under way while the config loads; awaited after it, so a config
  // that fails to load still reports that (the guard keeps the request's own failure from going unhandled meanwhile).
  const inputRead = readExecutionInput(dependencies.sfn, config.executionArn);
  inputRead.catch(() => undefined);
  const { config: stepwiseConfig } = await loadContainerConfig(config);
  const agent = stepwiseConfig.agents.find((candidate) => candidate.name === config.agent);
  if (!agent) {
    throw new InvalidInputError(`The config has no agent "${config.agent}" (it has ${stepwiseConfig.agents.map((a) => a.name).join(', ')})`, { field: 'STEPWISE_AGENT' });
  }
  const { stores } = dependencies;
  // The journal and the decisions are read while DescribeExecution's answer is on its way.
  const state = await loadOrStartState(stores.checkpoints, { executionArn: config.executionArn, agent: agent.name, input: inputRead, turn: config.turn });
  recordDecisions(state, await loadDecisions(stores.payloads, state), agent);
  const input = await inputRead;
  const result = await runAgent(agent, state, {
    model: chooseModel({ override: config.modelOverride, run: input.options?.model, agent: agent.model, config: stepwiseConfig.model, fallback: config.model }),
    modelSettings: config.modelSettings,
    maxIterations: input.options?.maxIterations,
    runId: config.executionArn,
    context: await contextOfConfig(stepwiseConfig, config.contextEnv),
    prices: stepwiseConfig.prices,
    platform: platformOf(config, dependencies.startedAt ?? Date.now()),
    signal,
    invokeTool: lambdaInvoker(config.toolFunctions, dependencies.lambda),
    isRemoteTool: (tool) => config.toolFunctions[tool.name] !== undefined,
    // The durable log clients wait on (an approval request): a failed write ends the turn retryably.
    eventLog: async (event) => {
      await stores.events.append(config.executionArn, [event]);
    },
    checkpointStore: stores.checkpoints,
  });
  if (result.status === RunStatus.Failed && result.interrupted) throw new StepwiseError(result.error.message, { code: result.error.name, fault: 'system' });
  if (result.status === RunStatus.Completed && input.sessionId) {
    await saveRunState(stores.checkpoints, sessionKey(input.sessionId), result.state);
  }
  return turnOutputOf(result, { executionArn: config.executionArn, payloads: stores.payloads });
}

/** Tools with a function in `toolFunctions` are invoked through the Lambda API; the rest run here. */
function lambdaInvoker(toolFunctions: Readonly<Record<string, string>>, client: LambdaInvokeApi): ToolInvoker {
  const remote = new Map<string, AnyTool>();
  return async (tool, args, context) => {
    const functionName = toolFunctions[tool.name];
    if (!functionName) return tool.execute(args, context);
    let twin = remote.get(tool.name);
    if (!twin) {
      twin = lambdaToolFrom(tool, { functionName, client });
      remote.set(tool.name, twin);
    }
    return twin.execute(args, context);
  };
}
