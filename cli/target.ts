import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { createStores, type LoggedEvent, type StoredApproval } from '../framework/internal';
import { uploaderOf } from '../state-machines';
// infra/constants loads nothing from the CDK, so the CLI can read the deployment's names from it.
import { APPROVALS_BY_EXECUTION_INDEX, StackOutput } from '../infra/constants';
import { functionUrlRegion, sigV4Signer } from './aws-signing';
import { NoEngineError, UsageError } from './errors';
import { readExecutionEvents } from './event-stream';

/** The default address of `stepwise dev`. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:8723';

/** Where the commands send their requests: the local engine, or a deployed stack in AWS. */
export interface Target {
  readonly kind: 'local' | 'aws';
  readonly description: string;
  readonly sfn: SFNClient;
  /** The state machine that runs `agent`. */
  stateMachineArn(agent: string): Promise<string>;
  /** Pending approvals, with the task tokens that answer them. */
  approvals(filter?: { executionArn?: string }): Promise<StoredApproval[]>;
  /**
   * The events of an execution after `after`, read from the target's Server-Sent Events endpoint
   * (the same protocol locally and on AWS); with `follow`, waits for more until the execution ends
   * or `signal` aborts.
   */
  events(executionArn: string, options: { after?: number; follow: boolean; signal?: AbortSignal }): AsyncIterable<LoggedEvent>;
  /** The value behind a payload reference (long arguments, answers, reasons). */
  resolve(ref: string): Promise<unknown>;
  /** Stores a value too long to send inline and returns its reference. */
  upload(value: unknown): Promise<string>;
}

/** The complete arguments of a pending approval: inline, or read back from their reference. */
export async function approvalArguments(target: Target, approval: StoredApproval): Promise<Record<string, unknown>> {
  if (approval.args) return approval.args;
  const args = await target.resolve(approval.argsRef!);
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error(`The arguments of approval ${approval.approvalId} at ${approval.argsRef} are not a JSON object`);
  return args as Record<string, unknown>;
}

const NO_ENGINE_HINT = 'Start one with "stepwise dev", or pass --endpoint.';

/** The local engine at `endpoint`: Step Functions API, approvals and events over loopback HTTP. */
export function localTarget(endpoint: string): Target {
  const base = endpoint.replace(/\/+$/, '');
  const sfn = new SFNClient({ endpoint: base, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const getJson = async (path: string): Promise<unknown> => {
    const response = await fetch(`${base}${path}`).catch((error: Error) => {
      throw new NoEngineError(base);
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    kind: 'local',
    description: `local engine at ${base}`,
    sfn,
    async stateMachineArn(agent) {
      const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
      const found = stateMachines.find((machine) => machine.name === agent);
      if (!found?.stateMachineArn) throw new UsageError(`The engine has no state machine for agent "${agent}". It has: ${stateMachines.map((m) => m.name).join(', ') || '(none)'}`);
      return found.stateMachineArn;
    },
    async approvals(filter = {}) {
      const query = filter.executionArn ? `?executionArn=${encodeURIComponent(filter.executionArn)}` : '';
      const body = (await getJson(`/approvals${query}`)) as { approvals: StoredApproval[] };
      return body.approvals;
    },
    async resolve(ref) {
      return getJson(`/payloads/${encodeURIComponent(ref)}`);
    },
    async upload(value) {
      const response = await fetch(`${base}/payloads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }).catch((error: Error) => {
        throw new NoEngineError(base);
      });
      if (!response.ok) throw new Error(`POST /payloads: HTTP ${response.status} ${await response.text()}`);
      return ((await response.json()) as { ref: string }).ref;
    },
    events(executionArn, options) {
      return readExecutionEvents({ baseUrl: `${base}/`, description: `the local engine at ${base}`, unreachableHint: NO_ENGINE_HINT, notThere: () => new NoEngineError(base) }, executionArn, options);
    },
  };
}

/** The outputs of the deployed stack that the CLI needs. */
interface StackOutputs {
  readonly agents: Record<string, string>;
  readonly approvalsTable: string;
  readonly eventsTable: string;
  readonly runStateTable: string;
  readonly bucket: string;
  /** Missing on stacks deployed before the events endpoint existed. */
  readonly eventsUrl?: string;
}

/**
 * The execution output with the whole answer: a long one is stored and the output carries only a
 * preview and its `resultRef`, which is read back here, so the answer is never shown cut.
 */
export async function fullOutput(target: Target, outputJson: string | undefined): Promise<Record<string, unknown> | null> {
  if (!outputJson) return null;
  const output = JSON.parse(outputJson) as Record<string, unknown>;
  if (typeof output.resultRef === 'string') {
    try {
      const answer = await target.resolve(output.resultRef);
      if (typeof answer === 'string') output.answer = answer;
    } catch (error) {
      // Expired or unreadable: show the start the output carries, and say that it is only the start.
      output.resultError = `only the start of the answer is shown: the whole answer at ${output.resultRef} could not be read (${(error as Error).message})`;
    }
  }
  return output;
}

/** A deployed Stepwise stack, found by name with the user's AWS credentials and region. */
export function awsTarget(stackName: string, region?: string): Target {
  const sfn = new SFNClient(region ? { region } : {});
  let outputs: Promise<StackOutputs> | undefined;
  const load = (): Promise<StackOutputs> => (outputs ??= readStackOutputs(stackName, region));
  const stores = async () => {
    const out = await load();
    return createStores({ kind: 'aws', runStateTable: out.runStateTable, eventsTable: out.eventsTable, approvalsTable: out.approvalsTable, approvalsByExecutionIndex: APPROVALS_BY_EXECUTION_INDEX, bucket: out.bucket });
  };
  return {
    kind: 'aws',
    description: `stack ${stackName}${region ? ` in ${region}` : ''}`,
    sfn,
    async stateMachineArn(agent) {
      const { agents } = await load();
      if (!agents[agent]) throw new UsageError(`Stack ${stackName} has no agent "${agent}". It has: ${Object.keys(agents).join(', ') || '(none)'}`);
      return agents[agent];
    },
    async approvals(filter = {}) {
      return (await stores()).approvals.list(filter);
    },
    async resolve(ref) {
      return (await stores()).payloads.get(ref);
    },
    async upload(value) {
      return uploaderOf((await stores()).payloads)(value);
    },
    async *events(executionArn, options) {
      const { eventsUrl } = await load();
      if (!eventsUrl) {
        throw new UsageError(`Stack ${stackName} has no "${StackOutput.EventsUrl}" output: it was deployed before the events endpoint existed. Deploy it again (npx cdk deploy) to watch executions.`);
      }
      const url = new URL(eventsUrl);
      // The standard credential chain and region, as the SDK clients resolve them; the URL names its own region.
      const signingRegion = functionUrlRegion(url) ?? (await sfn.config.region());
      yield* readExecutionEvents(
        {
          baseUrl: eventsUrl,
          description: `the events endpoint of stack ${stackName}`,
          unreachableHint: 'Check your network and that the stack is deployed (aws cloudformation describe-stacks).',
          forbiddenHint: 'Your AWS identity needs lambda:InvokeFunctionUrl and lambda:InvokeFunction on the events function (see docs/DEPLOY.md, "Watch it").',
          sign: sigV4Signer({ service: 'lambda', region: signingRegion, credentials: () => sfn.config.credentials() }),
        },
        executionArn,
        options,
      );
    },
  };
}

async function readStackOutputs(stackName: string, region?: string): Promise<StackOutputs> {
  const client = new CloudFormationClient(region ? { region } : {});
  const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const values = new Map((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  const find = (key: StackOutput): string => {
    const value = values.get(key);
    if (value === undefined) throw new UsageError(`Stack ${stackName} has no "${key}" output; was it deployed with this version of Stepwise (npx cdk deploy)?`);
    return value;
  };
  return {
    agents: JSON.parse(find(StackOutput.Agents)) as Record<string, string>,
    approvalsTable: find(StackOutput.ApprovalsTableName),
    eventsTable: find(StackOutput.EventsTableName),
    runStateTable: find(StackOutput.RunStateTableName),
    bucket: find(StackOutput.PayloadBucketName),
    eventsUrl: values.get(StackOutput.EventsUrl),
  };
}
