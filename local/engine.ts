import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AslDefinition } from '../state-machines';
import { LocalAws, LocalDefaults } from './constants';
import { processContainerRunner, type ContainerRunner } from './container/container-runner';
import { ContainerSlots, assertMaxContainers, defaultMaxContainers } from './container/container-slots';
import type { AslDefinition as InternalDefinition } from './executions/definition';
import { ExecutionManager, INITIAL_CODE_VERSION } from './executions/execution-manager';
import type { TaskRecord } from './executions/types';
import { createEngineServer, listen } from './http/engine-server';
import { approvalGate, type GatedTool } from './lambda-api/approval-gate';
import { lambdaInvokeHandler, type PinnedFunctions } from './lambda-api/invoke-handler';
import { LambdaRegistry, functionNameOf, type LambdaHandler } from './lambda-api/lambda-registry';
import { sfnOperations } from './sfn-api/operations';
import { sfnRequestHandler } from './sfn-api/sfn-handler';
import { LocalEngineConfigError } from './errors';
import { acquireEngineLock } from './store/engine-lock';
import { EngineStore } from './store/engine-store';
import { createStores, type ApprovalStore, type StoreSet } from '../framework/stores';
import { createApprovalNotifier } from './approvals/notifier';
import { decisionRecorderFunction } from './approvals/decision-recorder';
import { openApprovals } from './approvals/open-approvals';
import { payloadApi } from './payloads/payload-api';
import { executionEventsHandler } from './progress/sse';
import type { ConsoleAgent } from './console/api-types';
import { consoleRoutes } from './console/console-routes';
import type { AwsFaithfulOptions } from './executions/task-handlers';

/** The project an engine serves, as `/health` reports it. */
export interface EngineProject {
  /** The project's folder (where its `.stepwise/` is). */
  readonly root: string;
  /** The config file's absolute path. */
  readonly configPath: string;
  /** SHA-256 of the config file's contents when the engine started. */
  readonly configHash: string;
}

/** The models an engine's containers are given, as `/health` reports them (`stepwise run` decides a run's model with them). */
export interface EngineModels {
  /** Wins over every other choice (`stepwise dev --model`, `STEPWISE_MODEL_OVERRIDE`). */
  readonly override?: string;
  /** Used when nothing else names a model (`STEPWISE_MODEL`). */
  readonly fallback?: string;
}

/**
 * One version of the code an engine serves. New executions start on the current version; each
 * execution keeps the version it started on to its end — its state machine definition, its
 * containers' environment (`STEPWISE_CONFIG_COMPILED`), its tools' Lambda handlers and approval
 * rules — also when it is redriven, and after a restart when `EngineOptions.loadCode` finds it again.
 */
export interface EngineCode {
  /** Names this version (a config build's id); recorded on each execution that starts on it. */
  readonly version: string;
  readonly stateMachines: readonly { readonly name: string; readonly definition: AslDefinition }[];
  /** Tool functions, by function name (the engine's own approval and decision functions stay). */
  readonly lambdaHandlers?: Record<string, LambdaHandler>;
  readonly gatedTools?: Readonly<Record<string, GatedTool>>;
  /** Environment of this version's containers, over `EngineOptions.container.env`. */
  readonly containerEnv?: Record<string, string>;
  readonly agents?: readonly ConsoleAgent[];
  /** The project as `/health` reports it while this version is current. */
  readonly project?: EngineProject;
}

/** Options of `startEngine`. */
export interface EngineOptions {
  /** The project's Stepwise folder; the engine keeps its state under `<root>/engine/`. */
  readonly root: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** The state machines to serve, e.g. `buildAgentDefinition(...)` for each agent of the config. */
  readonly stateMachines: readonly { readonly name: string; readonly definition: AslDefinition }[];
  /** Local Lambda functions (tool handlers), by function name. */
  readonly lambdaHandlers?: Record<string, LambdaHandler>;
  /**
   * Tool functions whose calls may need approval, by function name: invoked through the Lambda
   * API, such a call runs only as the approved call of a running execution (see `approvalGate`).
   * @default none (every function runs for any caller)
   */
  readonly gatedTools?: Readonly<Record<string, GatedTool>>;
  /**
   * How agent containers run: a Node entrypoint started as a child process with the given static
   * environment, or a runner of your own.
   */
  readonly container:
    | {
        readonly entry: string;
        readonly env: Record<string, string>;
      }
    | ContainerRunner;
  /**
   * How many agent containers run at once; more wait in line (their RunAgent task stays scheduled
   * and its heartbeat clock stands still until their container starts), so load turns into waiting
   * rather than memory exhaustion.
   * @default `defaultMaxContainers()`: half the free memory at 128 MiB a container, at most 4 per CPU, at least 1
   */
  readonly maxContainers?: number;
  /** Whether container output is also printed through `log`. @default false */
  readonly echoContainerOutput?: boolean;
  /** URL that receives a POST for each approval request. @default none */
  readonly approvalWebhookUrl?: string;
  /**
   * The function name the definitions use as `resources.approvalFunction`; the engine serves its
   * approval notifier under it unless `lambdaHandlers` has a function of that name.
   * @default LocalDefaults.approvalNotifierFunctionName
   */
  readonly approvalFunctionName?: string;
  /**
   * The function name the definitions use as `resources.decisionFunction`; the engine serves its
   * decision recorder under it unless `lambdaHandlers` has a function of that name.
   * @default LocalDefaults.decisionRecorderFunctionName
   */
  readonly decisionFunctionName?: string;
  /**
   * Behave as AWS does where the engine could do better: a container that exits without a result
   * is not reported at once but noticed only by its heartbeat timeout, and a container may take
   * `coldStartSeconds` to start (image pull, ENI attach), so heartbeat margins are exercised.
   * @default false (a crashed container fails its task at once; containers start at once)
   */
  readonly awsFaithful?: boolean | AwsFaithfulOptions;
  /** Retry pauses to use instead of the definition's, in ms by state name (tests). @default the definition's */
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  /**
   * Which project the engine serves, reported on `/health` so a client can tell whether this
   * engine runs its config: the config file and a hash of its contents.
   * @default not reported
   */
  readonly project?: EngineProject;
  /** Reported on `/health`. @default none reported */
  readonly models?: EngineModels;
  /** The version of the code the options above describe (see `EngineCode`). @default 'initial' */
  readonly codeVersion?: string;
  /** Environment of the first version's containers, over `container.env` (see `EngineCode.containerEnv`). */
  readonly containerEnv?: Record<string, string>;
  /**
   * An earlier version of the code, for executions that started on it and outlived the engine
   * that served it (they resume, or are redriven); undefined when it is gone, and they then go on
   * with the current version.
   * @default none
   */
  readonly loadCode?: (version: string) => EngineCode | undefined;
  /**
   * Called when versions of the code stop being used: with every version an execution may still
   * run on (running, or failed and redrivable), the current one included, so what is not in it
   * can be removed.
   */
  readonly onCodeInUse?: (versions: ReadonlySet<string>) => void;
  /** Receives the engine's console lines. @default no output */
  readonly log?: (line: string) => void;
  /**
   * The agents as the web console shows them: descriptions and each tool's JSON Schema (which the
   * console's edit form is built from and edited arguments are checked against).
   * @default the state machines by name, without tools (arguments cannot be edited)
   */
  readonly agents?: readonly ConsoleAgent[];
}

/** A running local engine. */
export interface LocalEngine {
  /** `http://127.0.0.1:<port>`: the endpoint for the Step Functions and Lambda clients. */
  readonly endpoint: string;
  /** `http://127.0.0.1:<port>/`: the web console. */
  readonly consoleUrl: string;
  readonly port: number;
  readonly root: string;
  /** How many containers run at once (`EngineOptions.maxContainers`, or the machine's default). */
  readonly maxContainers: number;
  readonly executions: ExecutionManager;
  /** The shared file stores under the root (events, approvals, checkpoints). */
  readonly stores: StoreSet;
  /** The version of the code new executions start on. */
  readonly codeVersion: string;
  /**
   * Serves `code` to new executions from now on; running ones finish on the version they started
   * on. Every definition is checked first: an invalid one changes nothing.
   *
   * @throws LocalEngineConfigError naming the state machine whose definition is invalid.
   */
  reload(code: EngineCode): void;
  /** Stops serving and ends every container; running executions are taken over by the next start on the same root. */
  stop(): Promise<void>;
}

/** What every container gets so the standard AWS SDK clients work against the engine. */
const LOCAL_AWS_ENV = {
  AWS_REGION: LocalAws.region,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

const isRunner = (container: EngineOptions['container']): container is ContainerRunner => typeof (container as ContainerRunner).run === 'function';

/**
 * Starts the local engine: the Step Functions and Lambda APIs on loopback, running each agent
 * container as a child process. Executions, history and task tokens persist under `<root>/engine/`.
 *
 * @example
 * const engine = await startEngine({
 *   root: '.stepwise',
 *   stateMachines: [{ name: 'research', definition }],
 *   lambdaHandlers: { 'stepwise-tool-search': searchHandler },
 *   container: { entry: 'dist/agent-task/bundle.cjs', env: { STEPWISE_CONFIG: 'stepwise.config.ts' } },
 * });
 * const sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1' });
 */
export async function startEngine(options: EngineOptions): Promise<LocalEngine> {
  const root = path.resolve(options.root);
  mkdirSync(root, { recursive: true });
  const lock = acquireEngineLock(root);
  try {
    const engine = await startLockedEngine(options, root);
    lock.announce(engine.endpoint);
    return {
      ...engine,
      get codeVersion() {
        return engine.codeVersion;
      },
      async stop() {
        await engine.stop();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLockedEngine(options: EngineOptions, root: string): Promise<LocalEngine> {
  const log = options.log ?? (() => undefined);
  const store = new EngineStore(root);
  const stores = createStores({ kind: 'file', root });
  let current: EngineCode = {
    version: options.codeVersion ?? INITIAL_CODE_VERSION,
    stateMachines: options.stateMachines,
    lambdaHandlers: options.lambdaHandlers,
    gatedTools: options.gatedTools,
    containerEnv: options.containerEnv,
    agents: options.agents,
    project: options.project,
  };
  // Earlier versions running executions started on, loaded when one of them needs it.
  const earlier = new Map<string, EngineCode>();
  const codeOf = (version: string | undefined): EngineCode => {
    if (version === undefined || version === current.version) return current;
    let code = earlier.get(version);
    if (!code) {
      code = options.loadCode?.(version);
      if (code) earlier.set(version, code);
    }
    return code ?? current;
  };
  const codeOfExecution = (executionArn: string | undefined): EngineCode => codeOf(executionArn === undefined ? undefined : manager.find(executionArn)?.codeVersion);
  const lambdas = new LambdaRegistry({
    [options.approvalFunctionName ?? LocalDefaults.approvalNotifierFunctionName]: createApprovalNotifier({
      approvals: stores.approvals,
      webhookUrl: options.approvalWebhookUrl,
      log,
      // Only the engine's own approval tasks may record an approval: an invocation by hand must not
      // add one, or replace a real one's task token.
      isApprovalTask: (taskToken: string, executionArn: string, approvalId: string): boolean => {
        const task: TaskRecord | undefined = manager.tokens.get(taskToken);
        return task?.status === 'waiting' && task.kind === 'lambda' && task.executionArn === executionArn && task.approvalId === approvalId;
      },
    }),
    [options.decisionFunctionName ?? LocalDefaults.decisionRecorderFunctionName]: decisionRecorderFunction(stores.payloads),
    ...options.lambdaHandlers,
  });
  // The container's endpoints name this engine, whose port is known only once it listens.
  let endpoint = '';
  const configured = options.container;
  const container: ContainerRunner = isRunner(configured)
    ? configured
    : {
        run: (env, runOptions) =>
          processContainerRunner({
            entry: configured.entry,
            env: {
              ...LOCAL_AWS_ENV,
              ...configured.env,
              ...codeOfExecution(runOptions.executionArn).containerEnv,
              AWS_ENDPOINT_URL_SFN: endpoint,
              AWS_ENDPOINT_URL_LAMBDA: endpoint,
            },
            log: options.echoContainerOutput ? log : undefined,
          }).run(env, runOptions),
      };
  const containerSlots = new ContainerSlots(options.maxContainers === undefined ? defaultMaxContainers() : assertMaxContainers(options.maxContainers));
  const manager: ExecutionManager = new ExecutionManager({
    store,
    lambdas,
    container,
    containerSlots,
    onApprovalClosed: (approvalId) => {
      stores.approvals.delete(approvalId).catch((error: unknown) => log(`Could not remove answered approval ${approvalId}: ${String(error)}`));
    },
    log,
    retryIntervalOverrides: options.retryIntervalOverrides,
    awsFaithful: options.awsFaithful === true ? {} : options.awsFaithful || undefined,
    codeVersion: current.version,
    loadVersion: (version) => options.loadCode?.(version)?.stateMachines as unknown as { name: string; definition: InternalDefinition }[] | undefined,
    onRunEnded: () => releaseUnusedCode(),
  });
  // A version stays while an execution can still run on it: running, or failed and redrivable.
  const releaseUnusedCode = (): void => {
    manager.forgetUnusedVersions();
    const inUse = manager.versionsInUse();
    for (const version of earlier.keys()) if (!inUse.has(version)) earlier.delete(version);
    options.onCodeInUse?.(inUse);
  };
  const pinnedFunctions: PinnedFunctions = {
    has: (name) => [...earlier.values()].some((code) => Object.hasOwn(code.lambdaHandlers ?? {}, functionNameOf(name))),
    forEvent: (name, event) => {
      const executionArn = typeof event === 'object' && event !== null ? (event as { executionId?: unknown }).executionId : undefined;
      if (typeof executionArn !== 'string') return undefined;
      const code = codeOfExecution(executionArn);
      if (code === current) return undefined;
      const handlers = code.lambdaHandlers ?? {};
      return Object.hasOwn(handlers, functionNameOf(name)) ? handlers[functionNameOf(name)] : undefined;
    },
  };
  const gatedToolOf = (name: string, executionArn: string | undefined): GatedTool | undefined => {
    const gated = codeOfExecution(executionArn).gatedTools ?? {};
    return Object.hasOwn(gated, name) ? gated[name] : undefined;
  };
  for (const machine of options.stateMachines) manager.register(machine.name, machine.definition as unknown as InternalDefinition);
  // Recovery ends before the engine listens: an engine that cannot read its state (a damaged file
  // throws StoreCorruptError naming it) must not answer ListExecutions with half of it, or accept
  // new work beside executions it failed to load.
  manager.recover();
  await dropClosedApprovals(stores.approvals, manager, log);

  // The console's pages carry this secret; browsers must show it to change anything. It lives
  // only in memory, so a restart invalidates it (an open page fetches the new one), never an SDK or CLI client.
  const secret = randomBytes(32).toString('base64url');
  const operations = sfnOperations(manager);
  const pending = openApprovals(stores.approvals, (taskToken) => manager.tokens.isWaiting(taskToken));
  const payloads = payloadApi(stores.payloads);
  const server = createEngineServer(
    {
      sfn: sfnRequestHandler(operations, log),
      lambdaInvoke: lambdaInvokeHandler(lambdas, log, approvalGate({ tools: gatedToolOf, execution: (arn) => manager.find(arn), checkpoints: stores.checkpoints }), pinnedFunctions),
      executionEvents: executionEventsHandler({ manager, events: stores.events }),
      listFunctions: () => ({
        Functions: lambdas.names().map((name) => ({
          FunctionName: name,
          FunctionArn: `arn:aws:lambda:${LocalAws.region}:${LocalAws.accountId}:function:${name}`,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          PackageType: 'Zip',
          MemorySize: LocalDefaults.functionMemoryMiB,
          Description: 'Served by the Stepwise local engine',
        })),
      }),
      health: () => ({
        status: 'ok',
        stateMachines: manager.stateMachines().map((machine) => machine.name),
        functions: lambdas.names(),
        ...(current.project ? { project: current.project } : {}),
        ...(options.models ? { models: options.models } : {}),
      }),
      approvals: async (url) => ({ approvals: await pending.list({ executionArn: url.searchParams.get('executionArn') ?? undefined }) }),
      console: consoleRoutes({
        manager,
        approvals: pending,
        events: stores.events,
        payloads: stores.payloads,
        operations,
        // Read on each request: the console shows the agents of the current version.
        get agents() {
          return current.agents;
        },
        secret,
        log,
      }),
      payloadUpload: payloads.upload,
      payloadRead: payloads.read,
    },
    log,
    { secret },
  );
  const port = await listen(server, options.host ?? LocalDefaults.host, options.port ?? 0).catch(async (error: NodeJS.ErrnoException) => {
    await manager.shutdown(); // executions resumed by recover() wait for the next start
    if (error.code !== 'EADDRINUSE') throw error;
    throw new LocalEngineConfigError(`Port ${options.port} on ${options.host ?? LocalDefaults.host} is already in use (another engine, or another program). Stop it, or choose another port (stepwise dev --port N).`, { field: 'port' });
  });
  endpoint = `http://${options.host ?? LocalDefaults.host}:${port}`;
  log(`Stepwise local engine listening on ${endpoint} (state in ${path.join(root, 'engine')}; at most ${containerSlots.max} containers at once)`);
  return {
    endpoint,
    consoleUrl: `${endpoint}/`,
    port,
    root,
    maxContainers: containerSlots.max,
    executions: manager,
    stores,
    get codeVersion() {
      return current.version;
    },
    reload(code: EngineCode) {
      manager.install(code.version, code.stateMachines as unknown as { name: string; definition: InternalDefinition }[]);
      for (const name of Object.keys(current.lambdaHandlers ?? {})) if (!Object.hasOwn(code.lambdaHandlers ?? {}, name)) lambdas.unregister(name);
      for (const [name, handler] of Object.entries(code.lambdaHandlers ?? {})) lambdas.register(name, handler);
      if (code.version !== current.version) {
        earlier.set(current.version, current);
        earlier.delete(code.version);
      }
      current = code;
      releaseUnusedCode();
    },
    async stop() {
      await manager.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An approval answered just before the engine stopped can still be listed: its task was closed and
 * saved with the answer, but removing it from the approval store comes after. Listed again after a
 * restart, it would look asked again, with a token nothing waits for; recovery removes those.
 */
async function dropClosedApprovals(approvals: ApprovalStore, manager: ExecutionManager, log: (line: string) => void): Promise<void> {
  for (const approval of await approvals.list()) {
    if (manager.tokens.isWaiting(approval.taskToken)) continue;
    await approvals.delete(approval.approvalId);
    log(`Removed approval ${approval.approvalId}: its task closed before the engine stopped`);
  }
}
