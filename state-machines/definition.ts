import { ErrorName, RunStatus } from '../framework/constants';
import { ConfigDefinitionError } from '../framework/errors';
import {
  AGENT_CONTAINER_NAME,
  ApprovalPayloadField,
  ContainerEnv,
  DecisionPayloadField,
  DefinitionDefaults,
  MAX_TASK_TIMEOUT_SECONDS,
  StateName,
  StatesError,
  TaskResource,
  WorkflowField,
} from './constants';

/** One state of an Amazon States Language definition: plain JSON. */
export interface AslState {
  readonly Type: 'Task' | 'Pass' | 'Choice' | 'Map' | 'Succeed' | 'Fail' | 'Wait' | 'Parallel';
  readonly [field: string]: unknown;
}

/** An Amazon States Language (JSONPath) definition: plain JSON, ready for `JSON.stringify`. */
export interface AslDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** The AWS resources an agent's workflow uses. Every string may be a CDK token. */
export interface AgentWorkflowResources {
  /** ECS cluster name or ARN. */
  readonly cluster: string;
  /** Task definition family, family:revision or ARN of the agent container. */
  readonly taskDefinition: string;
  /**
   * Name of the agent container in the task definition.
   * @default 'agent'
   */
  readonly containerName?: string;
  /** Subnets the task runs in (at least one). */
  readonly subnets: readonly string[];
  /** Security groups of the task; empty uses the VPC's default group. */
  readonly securityGroups: readonly string[];
  /**
   * Whether the task gets a public IP (needed in public subnets without a NAT gateway).
   * @default false
   */
  readonly assignPublicIp?: boolean;
  /** Name or ARN of the Lambda function that announces a pending approval. */
  readonly approvalFunction: string;
  /** Name or ARN of the Lambda function that stores each approval's decision (`createDecisionRecorder`). */
  readonly decisionFunction: string;
  /**
   * @default 'FARGATE'
   */
  readonly launchType?: 'FARGATE';
}

/** Options of `buildAgentDefinition`. */
export interface AgentDefinitionOptions {
  /** The agent's name (from `defineAgent`); passed to the container. */
  readonly agentName: string;
  /**
   * How long each approval waits for a human before it counts as timed out, in seconds
   * (the agent's `approval.timeoutSeconds`; at most 2147483).
   */
  readonly approvalTimeoutSeconds: number;
  /**
   * A container turn that sends no heartbeat for this long is considered dead and is re-run.
   * @default 60
   */
  readonly heartbeatSeconds?: number;
  /**
   * The longest one container turn may take, in seconds (at most 2147483).
   * @default 3600
   */
  readonly runTimeoutSeconds?: number;
  /**
   * How many times one turn may be attempted in total (the first run plus retries after a dead
   * or failed container).
   * @default 3
   */
  readonly maxContainerAttempts?: number;
  readonly resources: AgentWorkflowResources;
}

const AGENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Errors the container reports for faults that a re-run cannot fix. */
const NON_RETRYABLE_ERRORS = [
  ErrorName.InvalidInput,
  ErrorName.InvalidConfig,
  ErrorName.MaxIterationsExceeded,
  ErrorName.BudgetExceeded,
  ErrorName.Aborted,
  ErrorName.ApprovalRejected,
  ErrorName.CheckpointError,
  ErrorName.ContainerStartFailed,
  ErrorName.CheckpointMissing,
];

/** The container handed its turn back on purpose (SIGTERM, a tool call whose outcome is unknown): run it again soon. */
const HANDED_BACK_ERRORS = [ErrorName.ContainerStopped, ErrorName.ToolOutcomeUnknown];

// `States.TaskFailed` matches every other task error too; the names are listed so the intent reads.
const RETRYABLE_CONTAINER_ERRORS = [StatesError.HeartbeatTimeout, StatesError.TaskFailed, ErrorName.InternalError, ErrorName.EventLogUnavailable, 'ECS.AmazonECSException'];

const RETRYABLE_LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

function fail(field: string, problem: string): never {
  throw new ConfigDefinitionError(`Workflow definition: ${field} ${problem}`, { field });
}

function checkSeconds(field: string, value: number, minimum = 1): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > MAX_TASK_TIMEOUT_SECONDS) {
    fail(field, `must be a whole number of seconds from ${minimum} to ${MAX_TASK_TIMEOUT_SECONDS} (about 24.8 days), got ${JSON.stringify(value)}`);
  }
}

function checkName(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') fail(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
}

function checkNames(field: string, value: unknown, minimum: number): void {
  if (!Array.isArray(value)) fail(field, `must be an array of strings, got ${JSON.stringify(value)}`);
  if (value.length < minimum) fail(field, `needs at least ${minimum} entry`);
  value.forEach((entry, index) => checkName(`${field}[${index}]`, entry));
}

interface ResolvedOptions {
  readonly agentName: string;
  readonly approvalTimeoutSeconds: number;
  readonly heartbeatSeconds: number;
  readonly runTimeoutSeconds: number;
  readonly maxContainerAttempts: number;
  readonly resources: Required<Omit<AgentWorkflowResources, 'securityGroups' | 'subnets'>> & Pick<AgentWorkflowResources, 'securityGroups' | 'subnets'>;
}

function resolveOptions(options: AgentDefinitionOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  if (typeof options.agentName !== 'string' || !AGENT_NAME.test(options.agentName)) {
    fail('agentName', `must be 1-64 letters, digits, "-" or "_", got ${JSON.stringify(options.agentName)}`);
  }
  checkSeconds('approvalTimeoutSeconds', options.approvalTimeoutSeconds);
  const heartbeatSeconds = options.heartbeatSeconds ?? DefinitionDefaults.heartbeatSeconds;
  const runTimeoutSeconds = options.runTimeoutSeconds ?? DefinitionDefaults.runTimeoutSeconds;
  const maxContainerAttempts = options.maxContainerAttempts ?? DefinitionDefaults.maxContainerAttempts;
  checkSeconds('runTimeoutSeconds', runTimeoutSeconds, 2);
  checkSeconds('heartbeatSeconds', heartbeatSeconds);
  if (heartbeatSeconds >= runTimeoutSeconds) {
    fail('heartbeatSeconds', `must be less than runTimeoutSeconds (${runTimeoutSeconds}), got ${heartbeatSeconds}`);
  }
  if (!Number.isInteger(maxContainerAttempts) || maxContainerAttempts < 1 || maxContainerAttempts > 100) {
    fail('maxContainerAttempts', `must be a whole number from 1 to 100, got ${JSON.stringify(maxContainerAttempts)}`);
  }
  const resources = options.resources;
  if (typeof resources !== 'object' || resources === null) fail('resources', 'must be an object');
  checkName('resources.cluster', resources.cluster);
  checkName('resources.taskDefinition', resources.taskDefinition);
  checkName('resources.approvalFunction', resources.approvalFunction);
  checkName('resources.decisionFunction', resources.decisionFunction);
  const containerName = resources.containerName ?? AGENT_CONTAINER_NAME;
  checkName('resources.containerName', containerName);
  checkNames('resources.subnets', resources.subnets, 1);
  checkNames('resources.securityGroups', resources.securityGroups, 0);
  const launchType = resources.launchType ?? DefinitionDefaults.launchType;
  if (launchType !== 'FARGATE') fail('resources.launchType', `must be "FARGATE", got ${JSON.stringify(launchType)}`);
  const assignPublicIp = resources.assignPublicIp ?? false;
  if (typeof assignPublicIp !== 'boolean') fail('resources.assignPublicIp', `must be a boolean, got ${JSON.stringify(assignPublicIp)}`);
  return {
    agentName: options.agentName,
    approvalTimeoutSeconds: options.approvalTimeoutSeconds,
    heartbeatSeconds,
    runTimeoutSeconds,
    maxContainerAttempts,
    resources: { ...resources, containerName, launchType, assignPublicIp },
  };
}

function runAgentState(options: ResolvedOptions): AslState {
  const { resources } = options;
  const awsvpcConfiguration: Record<string, unknown> = {
    Subnets: [...resources.subnets],
    AssignPublicIp: resources.assignPublicIp ? 'ENABLED' : 'DISABLED',
  };
  if (resources.securityGroups.length > 0) awsvpcConfiguration.SecurityGroups = [...resources.securityGroups];
  const retry: Record<string, unknown>[] = [{ ErrorEquals: [...NON_RETRYABLE_ERRORS], MaxAttempts: 0 }];
  if (options.maxContainerAttempts > 1) {
    retry.push({ ErrorEquals: [...HANDED_BACK_ERRORS], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: options.maxContainerAttempts - 1 });
    retry.push({
      ErrorEquals: [...RETRYABLE_CONTAINER_ERRORS],
      IntervalSeconds: 5,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      MaxAttempts: options.maxContainerAttempts - 1,
      JitterStrategy: 'FULL',
    });
  }
  return {
    Type: 'Task',
    Comment:
      'Runs one turn of the agent; the container reads the execution input and the decisions itself, resumes from its checkpoint and answers through the task token. Only bounded values cross the overrides.',
    Resource: TaskResource.EcsRunTaskWithToken,
    Parameters: {
      Cluster: resources.cluster,
      TaskDefinition: resources.taskDefinition,
      LaunchType: resources.launchType,
      NetworkConfiguration: { AwsvpcConfiguration: awsvpcConfiguration },
      Overrides: {
        ContainerOverrides: [
          {
            Name: resources.containerName,
            Environment: [
              { Name: ContainerEnv.TaskToken, 'Value.$': '$$.Task.Token' },
              { Name: ContainerEnv.ExecutionArn, 'Value.$': '$$.Execution.Id' },
              { Name: ContainerEnv.Agent, Value: options.agentName },
              { Name: ContainerEnv.Turn, 'Value.$': `States.JsonToString($.${WorkflowField.TurnNumber})` },
            ],
          },
        ],
      },
    },
    HeartbeatSeconds: options.heartbeatSeconds,
    TimeoutSeconds: options.runTimeoutSeconds,
    ResultPath: `$.${WorkflowField.Turn}`,
    Retry: retry,
    Next: StateName.CheckTurnStatus,
  };
}

function checkTurnStatusState(): AslState {
  const statusIs = (status: RunStatus, next: StateName) => ({ Variable: '$.turn.status', StringEquals: status, Next: next });
  return {
    Type: 'Choice',
    Choices: [
      { Variable: '$.turn.status', IsPresent: false, Next: StateName.UnknownTurnStatus },
      statusIs(RunStatus.Completed, StateName.ShapeResult),
      statusIs(RunStatus.Failed, StateName.Failed),
      statusIs(RunStatus.AwaitingApproval, StateName.RequestApprovals),
    ],
    Default: StateName.UnknownTurnStatus,
  };
}

function requestApprovalsState(options: ResolvedOptions): AslState {
  const lambdaRetry = [{ ErrorEquals: RETRYABLE_LAMBDA_ERRORS, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3 }];
  return {
    Type: 'Map',
    Comment: 'Each pending tool call gets its own task token, timeout and history; no container runs meanwhile.',
    ItemsPath: `$.${WorkflowField.Turn}.approvals`,
    ItemSelector: { 'approval.$': '$$.Map.Item.Value' },
    // Every approval must be pending at once: a human may answer them in any order.
    MaxConcurrency: 0,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: StateName.RequestApproval,
      States: {
        [StateName.RequestApproval]: {
          Type: 'Task',
          Resource: TaskResource.LambdaInvokeWithToken,
          Parameters: {
            FunctionName: options.resources.approvalFunction,
            Payload: {
              [`${ApprovalPayloadField.TaskToken}.$`]: '$$.Task.Token',
              [`${ApprovalPayloadField.ExecutionArn}.$`]: '$$.Execution.Id',
              [ApprovalPayloadField.Agent]: options.agentName,
              [`${ApprovalPayloadField.Approval}.$`]: '$.approval',
            },
          },
          // A fixed timeout rather than TimeoutSecondsPath: the local interpreter resolves that
          // path against the Parameters output, AWS against the state input (see asl-findings).
          TimeoutSeconds: options.approvalTimeoutSeconds,
          // Wrapped, so that RecordDecision tells an answer ({ response }) from an error ({ Error, Cause }).
          ResultSelector: { 'response.$': '$' },
          ResultPath: `$.${DecisionPayloadField.Answer}`,
          Retry: lambdaRetry,
          Catch: [
            { ErrorEquals: [StatesError.Timeout], ResultPath: `$.${DecisionPayloadField.Answer}`, Next: StateName.ApprovalTimedOut },
            { ErrorEquals: [StatesError.All], ResultPath: `$.${DecisionPayloadField.Answer}`, Next: StateName.ApprovalRejected },
          ],
          Next: StateName.RecordDecision,
        },
        [StateName.ApprovalTimedOut]: { Type: 'Pass', Comment: 'Nobody answered in time: { approval, answer: { Error: States.Timeout } }.', Next: StateName.RecordDecision },
        [StateName.ApprovalRejected]: { Type: 'Pass', Comment: 'SendTaskFailure (a rejection): { approval, answer: { Error, Cause } }.', Next: StateName.RecordDecision },
        [StateName.RecordDecision]: {
          Type: 'Task',
          Comment: 'Stores the decision where the container reads it, whoever answered the token, and outputs only a small marker.',
          Resource: TaskResource.LambdaInvoke,
          Parameters: {
            FunctionName: options.resources.decisionFunction,
            Payload: {
              [`${DecisionPayloadField.ExecutionArn}.$`]: '$$.Execution.Id',
              [DecisionPayloadField.Agent]: options.agentName,
              [`${DecisionPayloadField.Approval}.$`]: '$.approval',
              [`${DecisionPayloadField.Answer}.$`]: `$.${DecisionPayloadField.Answer}`,
            },
          },
          TimeoutSeconds: 60,
          ResultSelector: { 'approvalId.$': '$.Payload.approvalId', 'outcome.$': '$.Payload.outcome', 'decisionRef.$': '$.Payload.decisionRef' },
          ResultPath: '$',
          Retry: lambdaRetry,
          End: true,
        },
      },
    },
    ResultPath: `$.${WorkflowField.Decisions}`,
    Next: StateName.NextTurn,
  };
}

/**
 * Builds the Step Functions definition of one agent's workflow: run a container turn, then
 * succeed, fail, or collect approvals (each decision stored by `RecordDecision`) and run the next
 * turn. The state carries only a turn number and the last turn's bounded output; the container
 * reads the execution input and the decisions itself. The same JSON is deployed by the CDK app
 * and executed by the local engine.
 *
 * @throws ConfigDefinitionError naming the bad option.
 * @example
 * const definition = buildAgentDefinition({
 *   agentName: 'research',
 *   approvalTimeoutSeconds: 86_400,
 *   resources: { cluster: 'stepwise', taskDefinition: 'stepwise-agent', subnets: ['subnet-1'], securityGroups: [], approvalFunction: 'stepwise-approval' },
 * });
 * JSON.stringify(definition);
 */
export function buildAgentDefinition(options: AgentDefinitionOptions): AslDefinition {
  const resolved = resolveOptions(options);
  return {
    Comment: `Stepwise agent "${resolved.agentName}": ReAct turns in ECS, human approvals through task tokens.`,
    StartAt: StateName.Initialize,
    States: {
      [StateName.Initialize]: {
        Type: 'Pass',
        Comment: 'The execution input stays out of the workflow state: the container reads it with DescribeExecution.',
        Parameters: { [WorkflowField.TurnNumber]: 1 },
        Next: StateName.RunAgent,
      },
      [StateName.RunAgent]: runAgentState(resolved),
      [StateName.CheckTurnStatus]: checkTurnStatusState(),
      [StateName.ShapeResult]: {
        Type: 'Pass',
        Parameters: {
          'answer.$': '$.turn.answer',
          'resultRef.$': '$.turn.resultRef',
          'usage.$': '$.turn.usage',
          'costUsd.$': '$.turn.costUsd',
          'cost.$': '$.turn.cost',
          'iterations.$': '$.turn.iterations',
        },
        Next: StateName.Succeeded,
      },
      [StateName.Succeeded]: { Type: 'Succeed' },
      [StateName.Failed]: { Type: 'Fail', ErrorPath: '$.turn.error.name', CausePath: '$.turn.error.message' },
      [StateName.UnknownTurnStatus]: {
        Type: 'Fail',
        Error: ErrorName.InternalError,
        Cause: `The agent container ended its turn without a known status (${Object.values(RunStatus).join(', ')}).`,
      },
      [StateName.RequestApprovals]: requestApprovalsState(resolved),
      [StateName.NextTurn]: {
        Type: 'Pass',
        Parameters: { [`${WorkflowField.TurnNumber}.$`]: `States.MathAdd($.${WorkflowField.TurnNumber}, 1)` },
        Next: StateName.RunAgent,
      },
    },
  };
}
