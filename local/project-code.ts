import path from 'node:path';
import { ConfigDefinitionError, contextOfConfig, loadCompiledConfig, toolHandler, toolNeedsApproval, type Agent, type StepwiseConfig } from '../framework/internal';
import { ContainerEnv, buildAgentDefinition, type AgentWorkflowResources } from '../state-machines';
import type { ConfigBuild } from './config-build';
import type { ConsoleAgent } from './console/api-types';
import type { EngineCode } from './engine';
import type { GatedTool } from './lambda-api/approval-gate';
import { stateMachineArn } from './sfn-api/arn';

/** What turns a config into the code an engine serves, besides the config itself. */
export interface ProjectCodeOptions {
  /** The environment every container gets; the config's `context` for the tool functions the engine serves is built from it too. */
  readonly contextEnv: Readonly<Record<string, string>>;
  readonly heartbeatSeconds: number;
  readonly resources: AgentWorkflowResources;
}

/**
 * The code an engine serves for one build of a project's config: one state machine per agent,
 * one Lambda function per tool, the approval rules, what the console shows, and the compiled
 * config its containers load. `build` undefined (the config did not compile ahead of time) leaves
 * the containers to compile it themselves.
 *
 * @example
 * engine.reload(projectCode(config, build, build.id, { contextEnv, heartbeatSeconds: 60, resources: localResources }));
 */
export function projectCode(
  config: StepwiseConfig,
  build: ConfigBuild | undefined,
  version: string,
  options: ProjectCodeOptions,
  context: Promise<unknown> = contextOfConfig(config, options.contextEnv),
): EngineCode {
  // A context that cannot be built fails each tool call with the reason (the handler awaits it),
  // never the engine with an unhandled rejection.
  context.catch(() => undefined);
  const tools = new Map(config.agents.flatMap((agent) => agent.tools.map((tool) => [tool.name, tool] as const)));
  return {
    version,
    stateMachines: config.agents.map((agent) => ({
      name: agent.name,
      definition: buildAgentDefinition({ agentName: agent.name, approvalTimeoutSeconds: agent.approval.timeoutSeconds, heartbeatSeconds: options.heartbeatSeconds, resources: options.resources }),
    })),
    lambdaHandlers: Object.fromEntries([...tools].map(([name, tool]) => [name, toolHandler(tool, { context }) as (event: unknown) => Promise<unknown>])),
    gatedTools: gatedTools(config),
    containerEnv: {
      // Each tool runs as its Lambda function, the new ones of a reload too.
      [ContainerEnv.ToolFunctions]: JSON.stringify(Object.fromEntries([...tools.keys()].map((name) => [name, name]))),
      ...(build ? { [ContainerEnv.CompiledConfig]: build.compiledPath } : {}),
    },
    agents: consoleAgents(config),
  };
}

/**
 * Loads the config of a build from its compiled file, as its containers do. Each build is loaded
 * once and dropped from Node's module cache, so an engine that reloads all day does not keep
 * every build it ever loaded.
 *
 * @throws ConfigDefinitionError with the config's own message (an agent it refuses, an error it throws).
 * @example
 * const config = loadBuildConfig(build);
 */
export function loadBuildConfig(build: ConfigBuild): StepwiseConfig {
  try {
    return loadCompiledConfig(build.compiledPath, build.configPath).config;
  } catch (error) {
    // The compiled file's name means nothing to the user: say what their config did.
    const cause = (error as { cause?: unknown }).cause;
    if (!(error instanceof ConfigDefinitionError) || !(cause instanceof Error)) throw error;
    // Stepwise's own errors (an agent it refuses) say what is wrong; anything else the config threw is named by its class.
    const stepwiseError = typeof (cause as { code?: unknown }).code === 'string' && 'fault' in cause;
    throw new ConfigDefinitionError(stepwiseError ? cause.message : `${cause.name}: ${cause.message}`, { field: 'config', cause });
  } finally {
    delete require.cache[build.compiledPath];
  }
}

/** The parts of an agent a reload can change, functions by their source, as one string. */
function fingerprint(agent: Agent): string | undefined {
  try {
    return JSON.stringify(agent, (key, value: unknown) => (typeof value === 'function' ? value.toString() : key === 'parameters' ? undefined : value));
  } catch {
    return undefined; // not serializable (a cycle): counted as changed
  }
}

const sameAgent = (a: Agent, b: Agent): boolean => {
  const first = fingerprint(a);
  return first !== undefined && first === fingerprint(b);
};

/**
 * One line saying what a reload changed: the files, the agents added, removed or changed.
 *
 * @example
 * describeReload(previous, next, oldBuild, newBuild, '/project'); // 'tools/greet.ts changed; agents updated: greeter'
 */
export function describeReload(previous: StepwiseConfig, next: StepwiseConfig, before: ConfigBuild | undefined, after: ConfigBuild, projectDir: string): string {
  const relative = (file: string): string => path.relative(projectDir, file) || file;
  const files = [
    ...Object.keys(after.inputs).filter((file) => before?.inputs[file] === undefined).map((file) => `${relative(file)} added`),
    ...Object.keys(before?.inputs ?? {}).filter((file) => after.inputs[file] === undefined).map((file) => `${relative(file)} no longer imported`),
    ...Object.keys(after.inputs).filter((file) => before?.inputs[file] !== undefined && before.inputs[file] !== after.inputs[file]).map((file) => `${relative(file)} changed`),
  ];
  const old = new Map(previous.agents.map((agent) => [agent.name, agent]));
  const fresh = new Map(next.agents.map((agent) => [agent.name, agent]));
  const added = [...fresh.keys()].filter((name) => !old.has(name));
  const removed = [...old.keys()].filter((name) => !fresh.has(name));
  const updated = [...fresh.keys()].filter((name) => old.has(name) && !sameAgent(old.get(name)!, fresh.get(name)!));
  const agents = [
    added.length ? `agents added: ${added.join(', ')}` : '',
    removed.length ? `agents removed: ${removed.join(', ')}` : '',
    updated.length ? `agents updated: ${updated.join(', ')}` : '',
  ].filter(Boolean);
  return `${files.join(', ') || 'the config changed'}; ${agents.join('; ') || 'no agent definition changed (code they call did)'}`;
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
