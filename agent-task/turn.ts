import { LambdaClient } from '@aws-sdk/client-lambda';
import { InvalidInputError, RunStatus, bundledCorpusDir, createStores, lambdaToolFrom, loadConfig, runAgent, type AnyTool, type RunPlatform, type RunResult, type StoreSet, type ToolInvoker } from '../framework';
import { MAX_TASK_TIMEOUT_SECONDS, parseTurnOutput, workflowUsage, type TurnOutput } from '../state-machines';
import { loadOrStartState, recordDecisions, sessionKey } from './checkpoints';
import type { ContainerConfig } from './environment';
import path from 'node:path';

/** The largest answer that travels in the turn output; longer ones stay in the checkpoint. */
const MAX_ANSWER_CHARS = 100_000;

/** Clients and stores of one container run, made at the edge (main) and injectable in tests. */
export interface TurnDependencies {
  readonly stores: StoreSet;
  readonly lambda: LambdaClient;
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
 * Runs one turn of the agent: load the checkpoint, apply the approval decisions, run until the
 * agent completes, fails or needs a human, checkpointing after every step. Returns the turn output.
 */
export async function runTurn(config: ContainerConfig, dependencies: TurnDependencies, signal?: AbortSignal): Promise<TurnOutput> {
  const { config: stepwiseConfig } = await loadConfig(config.configPath);
  const agent = stepwiseConfig.agents.find((candidate) => candidate.name === config.agent);
  if (!agent) {
    throw new InvalidInputError(`The config has no agent "${config.agent}" (it has ${stepwiseConfig.agents.map((a) => a.name).join(', ')})`, { field: 'STEPWISE_AGENT' });
  }
  const { stores } = dependencies;
  const state = await loadOrStartState(stores.checkpoints, { executionArn: config.executionArn, agent: agent.name, input: config.input });
  recordDecisions(state, config.decisions, agent);
  const result = await runAgent(agent, state, {
    model: config.input.options?.model ?? agent.model ?? stepwiseConfig.model ?? config.model,
    modelSettings: config.modelSettings,
    maxIterations: config.input.options?.maxIterations,
    runId: config.executionArn,
    workspace: {
      corpusDir: config.corpusDir ?? (stepwiseConfig.corpusDir ? path.resolve(path.dirname(config.configPath), stepwiseConfig.corpusDir) : bundledCorpusDir()),
      outboxDir: config.outboxDir ?? path.join(config.store.kind === 'file' ? config.store.directory : '/tmp', 'outbox'),
    },
    prices: stepwiseConfig.prices,
    platform: platformOf(config, dependencies.startedAt ?? Date.now()),
    signal,
    invokeTool: lambdaInvoker(config.toolFunctions, dependencies.lambda),
    onEvent: async (event) => {
      await stores.events.append(config.executionArn, [event]);
    },
    onCheckpoint: async (current) => {
      await stores.checkpoints.save(config.executionArn, { sequence: current.sequence, state: current.toJSON() as unknown as Record<string, unknown>, savedAt: new Date().toISOString() });
    },
  });
  if (result.status === RunStatus.Completed && config.input.sessionId) {
    await stores.checkpoints.save(sessionKey(config.input.sessionId), { sequence: Date.now(), state: result.state.toJSON() as unknown as Record<string, unknown>, savedAt: new Date().toISOString() });
  }
  return turnOutputOf(result, config.executionArn);
}

/** Tools with a function in `toolFunctions` are invoked through the Lambda API; the rest run here. */
function lambdaInvoker(toolFunctions: Readonly<Record<string, string>>, client: LambdaClient): ToolInvoker {
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

function turnOutputOf(result: RunResult, executionArn: string): TurnOutput {
  const base = { usage: result.usage, costUsd: result.costUsd, cost: result.cost, iterations: result.iterations };
  switch (result.status) {
    case RunStatus.Completed: {
      const large = result.answer.length > MAX_ANSWER_CHARS;
      return parseTurnOutput({
        ...base,
        status: RunStatus.Completed,
        answer: large ? `${result.answer.slice(0, MAX_ANSWER_CHARS)}\n[… the full answer is in the run state checkpoint]` : result.answer,
        ...(large ? { resultRef: `checkpoint:${executionArn}` } : {}),
      });
    }
    case RunStatus.AwaitingApproval:
      return parseTurnOutput({
        ...base,
        status: RunStatus.AwaitingApproval,
        approvals: result.approvals.map((approval) => ({ ...approval, timeoutSeconds: Math.min(approval.timeoutSeconds, MAX_TASK_TIMEOUT_SECONDS) })),
      });
    default:
      return parseTurnOutput({ ...base, status: RunStatus.Failed, error: { name: result.error.name, message: result.error.message.slice(0, 30_000) } });
  }
}
