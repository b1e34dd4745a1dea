import path from 'node:path';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { contextOfConfig, toolHandler, toolNeedsApproval, type StepwiseConfig } from '../framework/internal';
import { ContainerEnv, DefinitionDefaults, TaskSizeDefaults, buildAgentDefinition, formatStoreLocation, type AgentWorkflowResources } from '../state-machines';
import { compileConfig } from './config-build';
import { LocalDefaults } from './constants';
import { LocalEngineConfigError } from './errors';
import { startEngine, type EngineOptions, type EngineProject, type LocalEngine } from './engine';
import type { GatedTool } from './lambda-api/approval-gate';
import type { ConsoleAgent } from './console/api-types';
import { stateMachineArn } from './sfn-api/arn';

/** Resource names the local engine's workflow definitions carry (the engine ignores them; AWS uses real ARNs). */
export const localResources: AgentWorkflowResources = {
  cluster: 'stepwise-local',
  taskDefinition: 'stepwise-agent',
  subnets: ['local'],
  securityGroups: ['local'],
  approvalFunction: LocalDefaults.approvalNotifierFunctionName,
  decisionFunction: LocalDefaults.decisionRecorderFunctionName,
};


/**
 * Where the compiled container entrypoint is: beside this file when it runs from `dist/`, else in
 * the package's `dist/` (when this file runs from source, as in the tests).
 */
export function agentTaskEntry(): string {
  const candidates = [path.resolve(__dirname, '..', 'agent-task', 'main.js'), path.resolve(__dirname, '..', 'dist', 'agent-task', 'main.js')];
  const entry = candidates.find((candidate) => existsSync(candidate));
  if (!entry) throw new LocalEngineConfigError(`The compiled agent container is missing (looked for ${candidates.join(' and ')}). Run "npm run build".`, { field: 'container' });
  return entry;
}

/** What the engine for a project needs: its config, where it keeps state, and the environment of the tools' context. */
export interface ProjectEngineOptions {
  readonly config: StepwiseConfig;
  readonly configPath: string;
  /** The project's `.stepwise/` folder. */
  readonly root: string;
  /**
   * Variables for the tools' context (e.g. STEPWISE_CORPUS_DIR, STEPWISE_OUTBOX_DIR): every
   * container gets them, and the config's `context` for the tool functions the engine serves is
   * built from the same environment the containers see.
   */
  readonly workspace: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly model?: string;
  /**
   * What the agent container needs to reach its model, passed as is: `OPENAI_BASE_URL`,
   * `OPENAI_API_KEY`, and for `bedrock:` models the standard AWS settings (`AWS_REGION`,
   * `AWS_PROFILE`, credentials, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). Undefined values are left out.
   */
  readonly modelEnv?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
  readonly echoContainerOutput?: boolean;
  /**
   * Seconds without a heartbeat before a container counts as dead and is retried. The default is
   * the workflow's, so the definition the engine runs is the one `cdk deploy` deploys.
   * @default 60
   */
  readonly heartbeatSeconds?: number;
  /** Retry pauses in ms by state name, instead of the definition's (tests). */
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  /** See `EngineOptions.awsFaithful`. @default false */
  readonly awsFaithful?: EngineOptions['awsFaithful'];
  /** See `EngineOptions.maxContainers`. @default derived from the machine's free memory and CPUs */
  readonly maxContainers?: number;
}

/**
 * Starts the local engine for a project: one state machine per agent (the same definition the CDK
 * app deploys), one Lambda function per tool, and the agent container as a child process.
 */
export async function startProjectEngine(options: ProjectEngineOptions): Promise<LocalEngine> {
  const heartbeatSeconds = options.heartbeatSeconds ?? DefinitionDefaults.heartbeatSeconds;
  const tools = new Map(options.config.agents.flatMap((agent) => agent.tools.map((tool) => [tool.name, tool] as const)));
  const env: Record<string, string> = {
    ...options.workspace,
    [ContainerEnv.Config]: options.configPath,
    [ContainerEnv.Store]: formatStoreLocation({ kind: 'file', directory: options.root }),
    [ContainerEnv.HeartbeatSeconds]: String(Math.max(1, Math.floor(heartbeatSeconds / 3))),
    [ContainerEnv.ToolFunctions]: JSON.stringify(Object.fromEntries([...tools.keys()].map((name) => [name, name]))),
    // The size AgentPlatform deploys by default: a local execution's cost is what it would cost on AWS.
    [ContainerEnv.TaskCpu]: String(TaskSizeDefaults.cpu),
    [ContainerEnv.TaskMemoryMiB]: String(TaskSizeDefaults.memoryMiB),
    [ContainerEnv.TaskArchitecture]: TaskSizeDefaults.architecture,
    ...(options.model ? { [ContainerEnv.Model]: options.model } : {}),
    ...Object.fromEntries(Object.entries(options.modelEnv ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  };
  const context = await contextOfConfig(options.config, env);
  const lambdaHandlers = Object.fromEntries([...tools].map(([name, tool]) => [name, toolHandler(tool, { context }) as (event: unknown) => Promise<unknown>]));
  const log = options.log ?? (() => undefined);
  // The container requires the config compiled ahead of time (no TypeScript toolchain at its start),
  // compiled again before a container starts if the config or a file it imports changed since.
  const compiledConfig = (): Record<string, string> => {
    try {
      return { [ContainerEnv.CompiledConfig]: compileConfig(options.configPath, options.root) };
    } catch (error) {
      log(`The config ${options.configPath} could not be compiled ahead of time (${(error as Error).message.split('\n')[0]}); containers compile it themselves.`);
      return {};
    }
  };
  compiledConfig();
  return startEngine({
    root: options.root,
    project: projectIdentity(options.configPath, options.root),
    port: options.port,
    stateMachines: options.config.agents.map((agent) => ({
      name: agent.name,
      definition: buildAgentDefinition({ agentName: agent.name, approvalTimeoutSeconds: agent.approval.timeoutSeconds, heartbeatSeconds, resources: localResources }),
    })),
    lambdaHandlers,
    gatedTools: gatedTools(options.config),
    container: { entry: agentTaskEntry(), env, envAtStart: compiledConfig },
    approvalFunctionName: localResources.approvalFunction,
    decisionFunctionName: localResources.decisionFunction,
    awsFaithful: options.awsFaithful,
    maxContainers: options.maxContainers,
    approvalWebhookUrl: options.config.approvalWebhookUrl,
    echoContainerOutput: options.echoContainerOutput,
    retryIntervalOverrides: options.retryIntervalOverrides,
    log: options.log,
    agents: consoleAgents(options.config),
  });
}

/**
 * Who an engine belongs to: the project folder, the config file and a hash of its contents, so
 * `stepwise run` attaches only to an engine that runs the very config it was given.
 *
 * @example
 * projectIdentity('/home/me/app/stepwise.config.ts', '/home/me/app/.stepwise'); // { root: '/home/me/app', configPath: …, configHash: '3f2a…' }
 */
export function projectIdentity(configPath: string, stateRoot: string): EngineProject {
  const absolute = path.resolve(configPath);
  return { root: path.dirname(path.resolve(stateRoot)), configPath: absolute, configHash: createHash('sha256').update(readFileSync(absolute)).digest('hex') };
}

/**
 * Every tool of the config as the Lambda API's approval gate sees it: whether a call needs
 * approval is the agent's policy (`approval.tools`) or the tool's own `needsApproval` rule, as
 * the runner decides it. A call outside a running execution is gated if any agent would gate it.
 */
function gatedTools(config: StepwiseConfig): Record<string, GatedTool> {
  const gated: Record<string, GatedTool> = {};
  for (const tool of new Map(config.agents.flatMap((agent) => agent.tools.map((each) => [each.name, each] as const))).values()) {
    const agents = config.agents.filter((agent) => agent.tools.some((each) => each.name === tool.name));
    gated[tool.name] = {
      tool: tool.name,
      handlesRejection: tool.handlesRejection,
      async needsApproval(args, stateMachine) {
        let parsed: unknown;
        try {
          parsed = tool.parse(args);
        } catch {
          return false; // the tool's handler refuses invalid arguments without running
        }
        const deciding = stateMachine === undefined ? agents : agents.filter((agent) => agent.name === stateMachine);
        if (deciding.length === 0) return true; // an agent without this tool never calls it
        for (const agent of deciding) if (agent.approval.tools.includes(tool.name) || (await toolNeedsApproval(tool, parsed))) return true;
        return false;
      },
    };
  }
  return gated;
}

/** What the web console shows of each agent: its description and its tools' schemas. */
function consoleAgents(config: StepwiseConfig): ConsoleAgent[] {
  return config.agents.map((agent) => ({
    name: agent.name,
    description: agent.description ?? '',
    stateMachineArn: stateMachineArn(agent.name),
    tools: agent.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      approval: typeof tool.needsApproval === 'function' ? 'depends' : tool.needsApproval ? 'always' : 'never',
      parameters: tool.jsonSchema,
    })),
  }));
}
