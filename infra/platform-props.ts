import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigDefinitionError, type Agent, type AnyTool } from '../framework';
import { ContainerV8Tuning, MAX_TASK_TIMEOUT_SECONDS, parseContainerV8Tuning } from '../state-machines';
import { PlatformDefaults, PlatformPaths, isFargateTaskSize } from './constants';

/** What `AgentPlatform` takes. */
export interface AgentPlatformProps {
  /** The agents to deploy, usually `(await loadConfig()).config.agents`; one state machine and task definition each. */
  readonly agents: readonly Agent[];
  /**
   * The VPC the agent containers run in.
   * @default a new VPC: 2 AZs, public and private-with-egress subnets, 1 NAT gateway, S3 and DynamoDB gateway endpoints, flow logs on
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` the agent containers run in; they need a route to the AWS APIs and the model.
   * @default the public subnets when `assignPublicIp` is true, otherwise the private subnets with egress
   */
  readonly taskSubnets?: ec2.SubnetSelection;
  /**
   * Give each agent task a public IP, for VPCs whose subnets reach the internet through an
   * internet gateway rather than a NAT gateway. The task security group still allows no inbound
   * traffic. When the platform creates the VPC, it then creates public subnets only and no NAT
   * gateway (about $37 a month less).
   * @default false
   */
  readonly assignPublicIp?: boolean;
  /**
   * Fargate CPU units of an agent container (256, 512, 1024, 2048, 4096, 8192 or 16384).
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Memory of an agent container in MiB; must be a size Fargate allows with `cpu`.
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
  /**
   * How an agent container tunes V8 once its code has loaded (`STEPWISE_CONTAINER_V8`): `node`
   * keeps Node's own tuning; `lean` turns the optimizing compilers off and keeps the young
   * generation at its first size (6-8 MiB less memory, the local engine's default). A Fargate task
   * reserves its memory whatever the container uses, and its container loads TLS and the AWS SDK
   * after start, which `lean` makes Node compile without its code cache: `node` suits it.
   * @default ContainerV8Tuning.Node
   */
  readonly containerV8?: ContainerV8Tuning;
  /**
   * How long container, Lambda, state machine, flow and API logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The model the containers use when the execution input names none (`STEPWISE_MODEL`), e.g. `openai:gpt-4.1-mini`.
   * @default 'offline' (the deterministic planner: needs no network and no key)
   */
  readonly modelId?: string;
  /**
   * Base URL of an OpenAI-compatible endpoint (`OPENAI_BASE_URL`).
   * @default none: the OpenAI API
   */
  readonly openAiBaseUrl?: string;
  /**
   * The secret holding the model API key; it reaches the container only as an ECS secret.
   * @default a new secret with a generated name (the `ApiKeySecretArn` stack output) holding a placeholder you replace after deploying
   */
  readonly openAiApiKeySecret?: secretsmanager.ISecret;
  /**
   * A container turn that sends no heartbeat for this long is re-run; the container beats three
   * times as often. It must cover a Fargate cold start (image pull, network interface), during
   * which no beat can be sent.
   * @default 180
   */
  readonly heartbeatSeconds?: number;
  /**
   * How long a pending approval waits for a human before it times out, for every agent.
   * @default each agent's `approval.timeoutSeconds`
   */
  readonly approvalTimeoutSeconds?: number;
  /**
   * Browser origins allowed to call the events endpoint (CORS), e.g. `['https://app.example.com']`.
   * Each is a scheme and host (and port): `https://…`, or `http://localhost…` for development; `*`
   * is refused. The endpoint still requires IAM (SigV4) authorization for every request.
   * @default none: CORS is off
   */
  readonly eventStreamCorsOrigins?: readonly string[];
  /**
   * Days after which events, approvals, sessions and payload objects expire.
   * @default 30
   */
  readonly dataRetentionDays?: number;
  /**
   * What happens to the tables and the buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Lambda handler file of each tool, by tool name, for tools that do not live in the repository's `tools/` folder.
   * @default `tools/<tool name>/handler.ts` under `projectRoot`
   */
  readonly toolEntries?: Readonly<Record<string, string>>;
  /**
   * Tools that write to the outbox (`s3://<payload bucket>/outbox`, their `STEPWISE_OUTBOX_DIR`); only
   * these get write access to it. The demo app names the bundled `publish_report`.
   * @default [] (no tool may write there)
   */
  readonly outboxTools?: readonly string[];
  /**
   * The repository root: the Docker build context of the agent image and the root of the tool sources.
   * @default the nearest folder above this file that holds `agent-task/Dockerfile` (works from sources and from `dist/`)
   */
  readonly projectRoot?: string;
  /**
   * The agent image's Dockerfile, relative to `projectRoot` (the build context). A project made by
   * `stepwise init` has its own `Dockerfile`, which copies the project and runs the entrypoint
   * shipped in the package.
   * @default `agent-task/Dockerfile`
   */
  readonly dockerfile?: string;
  /**
   * The config file the agents came from. The container loads the same file from the image
   * (`/app/<path relative to projectRoot>`), so the state machines and the container can never
   * come from different configs; synthesis fails when the file is outside `projectRoot` or left
   * out of the image by its `.dockerignore`.
   * @default `stepwise.config.ts` under `projectRoot`
   */
  readonly configFile?: string;
}

/** The props with every default applied and every value checked. */
export interface ResolvedPlatformProps {
  readonly agents: readonly Agent[];
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly containerV8: ContainerV8Tuning;
  readonly logRetention: logs.RetentionDays;
  readonly modelId: string;
  readonly openAiBaseUrl?: string;
  readonly assignPublicIp: boolean;
  readonly eventStreamCorsOrigins: readonly string[];
  readonly heartbeatSeconds: number;
  readonly approvalTimeoutSeconds: (agent: Agent) => number;
  readonly dataRetention: Duration;
  readonly dataRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly projectRoot: string;
  readonly dockerfile: string;
  /** Where the container finds the config in the image: `/app/<path relative to projectRoot>`. */
  readonly containerConfigPath: string;
  /** Every tool of every agent, once, by name. */
  readonly tools: ReadonlyMap<string, { readonly tool: AnyTool; readonly entry: string }>;
  readonly outboxTools: ReadonlySet<string>;
}

function fail(field: string, problem: string): never {
  throw new ConfigDefinitionError(`AgentPlatform: ${field} ${problem}`, { field });
}

function wholeNumber(field: string, value: number | undefined, minimum: number, maximum: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    fail(field, `must be a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(value)}`);
  }
}

const CORS_ORIGIN = /^(https:\/\/[A-Za-z0-9.-]+|http:\/\/(localhost|127\.0\.0\.1))(:\d{1,5})?$/;

function corsOrigins(origins: readonly string[] | undefined): readonly string[] {
  if (origins === undefined) return [];
  if (!Array.isArray(origins)) fail('eventStreamCorsOrigins', `must be an array of origins, got ${JSON.stringify(origins)}`);
  for (const origin of origins) {
    if (origin === '*') fail('eventStreamCorsOrigins', 'must name each origin: "*" would let any web page ask for your execution events with a signed-in user\'s credentials');
    if (typeof origin !== 'string' || !CORS_ORIGIN.test(origin)) {
      fail('eventStreamCorsOrigins', `has ${JSON.stringify(origin)}, which is not an origin: give a scheme and host (and port), no path, e.g. "https://app.example.com" or "http://localhost:3000"`);
    }
  }
  return [...origins];
}

function collectTools(agents: readonly Agent[], projectRoot: string, toolEntries: Readonly<Record<string, string>>): Map<string, { tool: AnyTool; entry: string }> {
  const tools = new Map<string, { tool: AnyTool; entry: string }>();
  for (const agent of agents) {
    for (const tool of agent.tools) {
      const known = tools.get(tool.name);
      if (known !== undefined) {
        if (known.tool !== tool) fail('agents', `define two different tools named "${tool.name}": one Lambda function serves each tool name, so give them different names`);
        continue;
      }
      const entry = path.resolve(projectRoot, toolEntries[tool.name] ?? PlatformPaths.toolHandler(tool.name));
      if (!existsSync(entry)) {
        fail('toolEntries', `has no Lambda handler for tool "${tool.name}" (agent "${agent.name}"): ${entry} does not exist. Add toolEntries: { ${tool.name}: '<path to a file exporting handler = toolHandler(tool)>' }`);
      }
      tools.set(tool.name, { tool, entry });
    }
  }
  return tools;
}

/**
 * Where the image holds the config the state machines were built from. The Docker build context
 * is `projectRoot`, copied to `/app`; a config outside it, or excluded by an allow-list
 * `.dockerignore` (one that starts with `*`), would not be in the image, and the first turn would
 * fail with "the config has no agent": refuse it at synthesis instead.
 */
function imageConfigPath(projectRoot: string, configFile: string | undefined, imageSources: readonly string[] | undefined): string {
  const file = path.resolve(projectRoot, configFile ?? 'stepwise.config.ts');
  const relative = path.relative(projectRoot, file).split(path.sep).join('/');
  if (relative.startsWith('../') || path.isAbsolute(relative)) {
    fail('configFile', `is ${file}, outside projectRoot ${projectRoot}: the agent image is built from projectRoot, so the container could not load it. Move the config into the project`);
  }
  if (!existsSync(file)) fail('configFile', `is ${file}, which does not exist`);
  if (imageSources !== undefined && !imageSources.some((entry) => relative === entry || relative.startsWith(`${entry}/`))) {
    fail('configFile', `is ${relative}, which ${PlatformPaths.dockerfile} does not copy into the agent image (it copies ${imageSources.join(', ')}): the state machines would be built from a config the container cannot load. Use stepwise.config.ts, or a config under agents/`);
  }
  const ignoreFile = path.join(projectRoot, '.dockerignore');
  if (existsSync(ignoreFile)) {
    const lines = readFileSync(ignoreFile, 'utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    if (lines[0] === '*') {
      const allowed = lines.filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/^\/+|\/+$/g, ''));
      if (!allowed.some((entry) => relative === entry || relative.startsWith(`${entry}/`))) {
        fail('configFile', `is ${relative}, which ${ignoreFile} leaves out of the agent image (it lets in only ${allowed.join(', ')}): the state machines would be built from a config the container cannot load. Use a config the image holds, or add "!${relative}" (and what it imports) to .dockerignore`);
      }
    }
  }
  return `/app/${relative}`;
}

/**
 * The repository root: the nearest folder at or above `start` that holds `agent-task/Dockerfile`.
 *
 * @example
 * findProjectRoot(__dirname); // '/home/me/stepwise'
 */
export function findProjectRoot(start: string): string | undefined {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, PlatformPaths.dockerfile))) return directory;
    if (path.dirname(directory) === directory) return undefined;
  }
}

/**
 * Applies the defaults of `AgentPlatformProps` and checks every value up front, so a mistake
 * fails the synthesis with the prop's name rather than the deployment.
 *
 * @throws ConfigDefinitionError naming the prop.
 * @example
 * const resolved = resolvePlatformProps({ agents: config.agents, cpu: 512, memoryLimitMiB: 1024 });
 */
export function resolvePlatformProps(props: AgentPlatformProps): ResolvedPlatformProps {
  if (typeof props !== 'object' || props === null) fail('props', 'must be an object');
  if (!Array.isArray(props.agents) || props.agents.length === 0) fail('agents', 'must list at least one agent (defineConfig({ agents: [...] }))');
  const names = new Set<string>();
  for (const agent of props.agents) {
    if (names.has(agent.name)) fail('agents', `name "${agent.name}" twice: agent names must be unique`);
    names.add(agent.name);
  }
  const cpu = props.cpu ?? PlatformDefaults.cpu;
  const memoryLimitMiB = props.memoryLimitMiB ?? PlatformDefaults.memoryLimitMiB;
  if (!isFargateTaskSize(cpu, memoryLimitMiB)) {
    fail(props.cpu === undefined ? 'memoryLimitMiB' : 'cpu', `${cpu} with memoryLimitMiB ${memoryLimitMiB} is not a Fargate task size: see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size`);
  }
  if (props.assignPublicIp !== undefined && typeof props.assignPublicIp !== 'boolean') fail('assignPublicIp', `must be true or false, got ${JSON.stringify(props.assignPublicIp)}`);
  const heartbeatSeconds = props.heartbeatSeconds ?? PlatformDefaults.heartbeatSeconds;
  // The container beats every third of the interval, so it must be at least 3 whole seconds.
  wholeNumber('heartbeatSeconds', heartbeatSeconds, 3, 3_599);
  wholeNumber('approvalTimeoutSeconds', props.approvalTimeoutSeconds, 1, MAX_TASK_TIMEOUT_SECONDS);
  const dataRetentionDays = props.dataRetentionDays ?? PlatformDefaults.dataRetentionDays;
  wholeNumber('dataRetentionDays', dataRetentionDays, 1, 3_650);
  const modelId = props.modelId ?? PlatformDefaults.modelId;
  if (typeof modelId !== 'string' || modelId.trim() === '') fail('modelId', 'must be a non-empty model id such as "offline" or "openai:gpt-4.1-mini"');
  if (props.openAiBaseUrl !== undefined && !/^https?:\/\/\S+$/.test(props.openAiBaseUrl)) fail('openAiBaseUrl', `must be an http(s) URL, got ${JSON.stringify(props.openAiBaseUrl)}`);
  let containerV8: ContainerV8Tuning = ContainerV8Tuning.Node;
  try {
    if (props.containerV8 !== undefined) containerV8 = parseContainerV8Tuning(props.containerV8);
  } catch {
    fail('containerV8', `must be ${Object.values(ContainerV8Tuning).map((name) => JSON.stringify(name)).join(' or ')}, got ${JSON.stringify(props.containerV8)}`);
  }
  const projectRoot = path.resolve(props.projectRoot ?? findProjectRoot(__dirname) ?? process.cwd());
  const dockerfile = props.dockerfile ?? PlatformPaths.dockerfile;
  if (!existsSync(path.join(projectRoot, dockerfile))) {
    fail(props.dockerfile === undefined ? 'projectRoot' : 'dockerfile', `must name the agent image's Dockerfile under projectRoot; ${path.join(projectRoot, dockerfile)} does not exist${props.projectRoot === undefined ? ' (set projectRoot to your project\'s folder and dockerfile to its Dockerfile; `stepwise init` writes both)' : ''}`);
  }
  const containerConfigPath = imageConfigPath(projectRoot, props.configFile, dockerfile === PlatformPaths.dockerfile ? PlatformPaths.repositoryImageConfigSources : undefined);
  const tools = collectTools(props.agents, projectRoot, props.toolEntries ?? {});
  const outboxTools = new Set(props.outboxTools ?? PlatformDefaults.outboxTools);
  return {
    agents: props.agents,
    cpu,
    memoryLimitMiB,
    containerV8,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    modelId,
    openAiBaseUrl: props.openAiBaseUrl,
    assignPublicIp: props.assignPublicIp ?? false,
    eventStreamCorsOrigins: corsOrigins(props.eventStreamCorsOrigins),
    heartbeatSeconds,
    approvalTimeoutSeconds: (agent) => props.approvalTimeoutSeconds ?? agent.approval.timeoutSeconds,
    dataRetention: Duration.days(dataRetentionDays),
    dataRetentionDays,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    projectRoot,
    dockerfile,
    containerConfigPath,
    tools,
    outboxTools,
  };
}
