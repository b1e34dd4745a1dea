import path from 'node:path';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { contextOfConfig, type StepwiseConfig } from '../framework/internal';
import { ContainerEnv, ContainerV8Tuning, DefinitionDefaults, TaskSizeDefaults, formatStoreLocation, parseContainerV8Tuning, type AgentWorkflowResources } from '../state-machines';
import { buildConfig, readConfigBuild, removeConfigBuilds, type ConfigBuild } from './config-build';
import { ConfigWatchDefaults, LocalDefaults } from './constants';
import { LocalEngineConfigError } from './errors';
import { startEngine, type EngineCode, type EngineOptions, type EngineProject, type LocalEngine } from './engine';
import { INITIAL_CODE_VERSION } from './executions/execution-manager';
import { ConfigReloader } from './config-reload';
import { loadBuildConfig, projectCode } from './project-code';

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
 * Where the container program is: the one-file bundle `npm run build` writes
 * (`dist/agent-task/bundle.cjs`, see scripts/build-agent-bundle.js), beside this file when it runs
 * from `dist/`, else in the package's `dist/` (when this file runs from source, as in the tests).
 */
export function agentTaskEntry(): string {
  const candidates = [path.resolve(__dirname, '..', 'agent-task', 'bundle.cjs'), path.resolve(__dirname, '..', 'dist', 'agent-task', 'bundle.cjs')];
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
  /** The model when neither the execution input, the agent nor the config names one (`STEPWISE_MODEL`). */
  readonly model?: string;
  /** The model every run uses, whatever the execution input, the agent or the config name (`stepwise dev --model`). */
  readonly modelOverride?: string;
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
  /**
   * How the agent containers tune V8: a `ContainerV8Tuning`, or the text of `STEPWISE_CONTAINER_V8`
   * (parsed as the container parses it; anything else is a `ConfigDefinitionError` before the
   * engine starts). Lean by default here, unlike on AWS: the engine runs many containers on one machine.
   * @default ContainerV8Tuning.Lean
   */
  readonly containerV8?: ContainerV8Tuning | (string & {});
  /** See `EngineOptions.maxContainers`. @default derived from the machine's free memory and CPUs */
  readonly maxContainers?: number;
  /**
   * Watch the config and the project files it imports, and reload them when they change (`stepwise
   * dev`): new executions start on the new code, running ones finish on the code they started on.
   * @default false
   */
  readonly watch?: boolean;
  /** Quiet time after the last change before a reload. @default ConfigWatchDefaults.debounceMs */
  readonly watchDebounceMs?: number;
}

/**
 * Starts the local engine for a project: one state machine per agent (the same definition the CDK
 * app deploys), one Lambda function per tool, and the agent container as a child process.
 *
 * Every execution is pinned to the build of the config it started on (`.stepwise/build/<id>/`):
 * its containers load that build's compiled config, its tool invocations run that build's
 * handlers, and its definition stays that build's, also when it is redriven or resumed by a later
 * engine. A build is removed once no execution can run on it any more (running, or failed and redrivable).
 *
 * @example
 * const engine = await startProjectEngine({ config, configPath, root: '.stepwise', workspace, watch: true });
 */
export async function startProjectEngine(options: ProjectEngineOptions): Promise<LocalEngine> {
  const heartbeatSeconds = options.heartbeatSeconds ?? DefinitionDefaults.heartbeatSeconds;
  const env: Record<string, string> = {
    ...options.workspace,
    [ContainerEnv.Config]: options.configPath,
    [ContainerEnv.Store]: formatStoreLocation({ kind: 'file', directory: options.root }),
    [ContainerEnv.HeartbeatSeconds]: String(Math.max(1, Math.floor(heartbeatSeconds / 3))),
    // The size AgentPlatform deploys by default: a local execution's cost is what it would cost on AWS.
    [ContainerEnv.TaskCpu]: String(TaskSizeDefaults.cpu),
    [ContainerEnv.TaskMemoryMiB]: String(TaskSizeDefaults.memoryMiB),
    [ContainerEnv.TaskArchitecture]: TaskSizeDefaults.architecture,
    ...(options.model ? { [ContainerEnv.Model]: options.model } : {}),
    ...(options.modelOverride ? { [ContainerEnv.ModelOverride]: options.modelOverride } : {}),
    [ContainerEnv.V8Tuning]: options.containerV8 === undefined ? ContainerV8Tuning.Lean : parseContainerV8Tuning(options.containerV8),
    ...Object.fromEntries(Object.entries(options.modelEnv ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  };
  // The tool functions the engine serves get the config's context built from the environment the
  // containers see; a context that cannot be built stops the engine at start, saying why.
  const context = contextOfConfig(options.config, env);
  await context;
  const log = options.log ?? (() => undefined);
  const codeOptions = { contextEnv: env, heartbeatSeconds, resources: localResources };
  // The container requires the config compiled ahead of time (no TypeScript toolchain at its start).
  let build: ConfigBuild | undefined;
  try {
    build = buildConfig(options.configPath, options.root);
  } catch (error) {
    log(`The config ${options.configPath} could not be compiled ahead of time (${(error as Error).message.split('\n')[0]}); containers compile it themselves.`);
  }
  const project = build ? { ...projectIdentity(options.configPath, options.root), configHash: build.configHash } : projectIdentity(options.configPath, options.root);
  // The first version serves the config as given (its tools are these very objects); later
  // versions, and earlier ones executions were pinned to, are loaded from their compiled builds.
  const initial = projectCode(options.config, build, build?.id ?? INITIAL_CODE_VERSION, codeOptions, context);
  const loadCode = (version: string): EngineCode | undefined => {
    const pinned = readConfigBuild(options.root, version);
    if (!pinned) return undefined;
    try {
      return { ...projectCode(loadBuildConfig(pinned), pinned, pinned.id, codeOptions), project: { ...project, configHash: pinned.configHash } };
    } catch (error) {
      log(`Build ${version} of ${options.configPath} no longer loads (${(error as Error).message.split('\n')[0]}); its executions go on with the current code.`);
      return undefined;
    }
  };
  const engine = await startEngine({
    root: options.root,
    project,
    port: options.port,
    stateMachines: initial.stateMachines,
    lambdaHandlers: initial.lambdaHandlers,
    gatedTools: initial.gatedTools,
    containerEnv: initial.containerEnv,
    codeVersion: initial.version,
    loadCode,
    onCodeInUse: (versions) => removeConfigBuilds(options.root, versions),
    models: { override: options.modelOverride, fallback: options.model },
    container: { entry: agentTaskEntry(), env },
    approvalFunctionName: localResources.approvalFunction,
    decisionFunctionName: localResources.decisionFunction,
    awsFaithful: options.awsFaithful,
    maxContainers: options.maxContainers,
    approvalWebhookUrl: options.config.approvalWebhookUrl,
    echoContainerOutput: options.echoContainerOutput,
    retryIntervalOverrides: options.retryIntervalOverrides,
    log: options.log,
    agents: initial.agents,
  });
  // Builds nothing can run on any more (an earlier session's) go now.
  removeConfigBuilds(options.root, engine.executions.versionsInUse());
  if (!options.watch) return engine;
  const reloader = new ConfigReloader({
    engine,
    configPath: path.resolve(options.configPath),
    root: options.root,
    config: options.config,
    build,
    project,
    codeOptions,
    debounceMs: options.watchDebounceMs ?? ConfigWatchDefaults.debounceMs,
    log,
  });
  const stop = engine.stop.bind(engine);
  engine.stop = async () => {
    reloader.close();
    await stop();
  };
  return engine;
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

