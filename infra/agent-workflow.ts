import { ArnFormat, CfnDeletionPolicy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Agent } from '../framework';
import { AGENT_CONTAINER_NAME, buildAgentDefinition } from '../state-machines';
import { AcknowledgedFinding, acknowledge, taskDefinitionRevisionsFinding } from './nag-suppressions';
import { taskDefinitionRevisionArn } from './task-stop-reporter';
import { AGENT_TASK_ARCHITECTURE } from './constants';

/** What `AgentWorkflow` takes. */
export interface AgentWorkflowProps {
  readonly agent: Agent;
  /** The state machine's name: known before it exists, so roles can name it without a dependency cycle. */
  readonly stateMachineName: string;
  readonly cluster: ecs.ICluster;
  readonly subnets: readonly ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  /** Whether each task gets a public IP (subnets without a NAT gateway). */
  readonly assignPublicIp: boolean;
  readonly image: ecs.ContainerImage;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  /** The static container environment (see `agentContainerEnvironment`). */
  readonly environment: Readonly<Record<string, string>>;
  /** The model API key (`OPENAI_API_KEY`); none for an agent on Amazon Bedrock. */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /** The agent's own tool functions; the container may invoke these and no others. */
  readonly toolFunctions: readonly lambda.IFunction[];
  readonly approvalNotifier: lambda.IFunction;
  /** The function behind each approval's `RecordDecision` state. */
  readonly decisionRecorder: lambda.IFunction;
  readonly approvalTimeoutSeconds: number;
  readonly heartbeatSeconds: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The ARN of a state machine from its name, as a role that must not depend on the state machine
 * (it would close a dependency cycle) refers to it.
 */
export function stateMachineArnFromName(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** The ARNs of every execution of a state machine, from its name (`execution:<name>:*`). */
export function executionArnsOf(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * One agent on AWS: its Fargate task definition (own task role, scoped to its tools and its state
 * machine) and its Standard state machine, whose definition comes from `buildAgentDefinition`,
 * the builder the local engine uses too.
 */
export class AgentWorkflow extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly taskRole: iam.Role;
  readonly container: ecs.ContainerDefinition;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: AgentWorkflowProps) {
    super(scope, id);
    const { agent } = props;
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Stepwise agent "${agent.name}" container: its tools, its state machine, its stores`,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryLimitMiB,
      taskRole: this.taskRole,
      // The architecture the container's cost assumes (STEPWISE_TASK_ARCHITECTURE) and the image is built for.
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.of(AGENT_TASK_ARCHITECTURE.toUpperCase()), operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // Every change to the image or the environment replaces the task definition (a new revision).
    // CloudFormation would deregister the old revision, and an execution paused for approval when
    // the stack was redeployed names that revision in its definition: its next turn would fail
    // RunTask. Retained, the old revision stays ACTIVE and the paused execution resumes with the
    // code it started with. Deleting the stack still deregisters the current revision.
    const taskDefinitionResource = this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
    taskDefinitionResource.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    acknowledge(taskDefinitionResource, AcknowledgedFinding.RetainReplacedRevisionsOnly);
    const logGroup = new logs.LogGroup(this, 'ContainerLogs', { retention: props.logRetention });
    this.container = this.taskDefinition.addContainer('Agent', {
      containerName: AGENT_CONTAINER_NAME,
      image: props.image,
      essential: true,
      environment: { ...props.environment },
      ...(props.apiKeySecret ? { secrets: { OPENAI_API_KEY: ecs.Secret.fromSecretsManager(props.apiKeySecret) } } : {}),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: agent.name }),
      // Node does not run as PID 1: ECS's SIGTERM reaches the agent's handler and child processes are reaped.
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
    });

    // The container invokes exactly its agent's tools.
    if (props.toolFunctions.length > 0) {
      this.taskRole.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: props.toolFunctions.map((fn) => fn.functionArn) }));
    }
    // ...and answers task tokens of its own state machine only.
    this.taskRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [stateMachineArnFromName(this, props.stateMachineName)],
      }),
    );
    // It reads its execution input itself (nothing unbounded crosses the RunTask overrides): of its own executions only.
    this.taskRole.addToPolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionArnsOf(this, props.stateMachineName)] }));
    acknowledge(this.taskRole, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:' + props.stateMachineName + ':*]',
      reason: 'The container reads the input of the execution that started it; execution names are not known in advance, so the grant covers the executions of its own state machine.',
    });

    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      // Step Functions log groups are conventionally under /aws/vendedlogs/ (resource policy size limits).
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      // A fixed name: a retained group would make the next deployment of the same stack fail.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const definition = buildAgentDefinition({
      agentName: agent.name,
      approvalTimeoutSeconds: props.approvalTimeoutSeconds,
      heartbeatSeconds: props.heartbeatSeconds,
      resources: {
        cluster: props.cluster.clusterArn,
        taskDefinition: this.taskDefinition.taskDefinitionArn,
        subnets: props.subnets.map((subnet) => subnet.subnetId),
        securityGroups: [props.securityGroup.securityGroupId],
        assignPublicIp: props.assignPublicIp,
        approvalFunction: props.approvalNotifier.functionArn,
        decisionFunction: props.decisionRecorder.functionArn,
      },
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(definition)),
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      comment: `Stepwise agent "${agent.name}"`,
    });
    this.grantWorkflowAccess(props);
    acknowledge(this.taskDefinition, AcknowledgedFinding.PlainContainerEnvironment);
    acknowledge(this.taskDefinition.obtainExecutionRole(), AcknowledgedFinding.XrayAndLogDelivery);
    acknowledge(this.stateMachine.role, AcknowledgedFinding.XrayAndLogDelivery);
  }

  /**
   * What `RunAgent` (ecs:runTask.waitForTaskToken) and `RequestApproval`
   * (lambda:invoke.waitForTaskToken) need: RunTask on this agent's task definition family in this
   * cluster, PassRole on its two roles, Invoke on the notifier. The callback pattern does not
   * poll the task, so no StopTask/DescribeTasks and no EventBridge managed rule (.sync needs those).
   */
  private grantWorkflowAccess(props: AgentWorkflowProps): void {
    // Every revision of the family, not only the current one: an execution that started before a
    // redeploy runs the (retained) revision its definition names, and IAM is evaluated when it runs.
    const everyRevision = taskDefinitionRevisionArn(this, this.taskDefinition.family, '*');
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [everyRevision],
        conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
      }),
    );
    acknowledge(this.stateMachine.role, taskDefinitionRevisionsFinding(this.taskDefinition.family));
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    // The exact function ARNs: the states invoke them unqualified, so no `:*` version wildcard.
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.approvalNotifier.functionArn, props.decisionRecorder.functionArn] }));
  }
}
