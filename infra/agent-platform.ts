import { SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigDefinitionError } from '../framework';
import { agentImageAssetProps } from './agent-image';
import { AgentWorkflow, stateMachineArnFromName } from './agent-workflow';
import { ApprovalService } from './approval-service';
import { APPROVALS_BY_EXECUTION_INDEX, CHECKPOINT_PREFIX, EVENT_PREFIX, PAYLOAD_PREFIX, PlatformDefaults, PlatformPaths } from './constants';
import { agentContainerEnvironment } from './container-environment';
import { ExecutionEventsEndpoint } from './execution-events-endpoint';
import { grantBedrockModel, isBedrockModel, modelOfAgent } from './model-access';
import { AcknowledgedFinding, acknowledge, prefixWildcardFinding } from './nag-suppressions';
import { resolvePlatformProps, type AgentPlatformProps, type ResolvedPlatformProps } from './platform-props';
import { PlatformStorage } from './platform-storage';
import { TaskStopReporter } from './task-stop-reporter';
import { ToolFunctions } from './tool-functions';

export type { AgentPlatformProps } from './platform-props';

/** State machine names are at most 80 characters. */
const STATE_MACHINE_NAME_LIMIT = 80;

/**
 * Stepwise agents on AWS: per agent a Standard state machine (the definition the local engine
 * runs) and a Fargate task definition for its container; one Lambda function per tool; DynamoDB
 * and S3 stores; approvals through an SNS topic and an IAM-authorized HTTP API. Every role may
 * do only what its part needs.
 *
 * @example
 * const { config } = await loadConfig('stepwise.config.ts');
 * const platform = new AgentPlatform(stack, 'Stepwise', { agents: config.agents, modelId: 'openai:gpt-4.1-mini' });
 */
export class AgentPlatform extends Construct {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.Cluster;
  /** The security group of the agent containers: no inbound rule, all outbound. */
  readonly taskSecurityGroup: ec2.SecurityGroup;
  /** Agent name → its task definition. */
  readonly taskDefinitions: Readonly<Record<string, ecs.FargateTaskDefinition>>;
  /** Agent name → its state machine. */
  readonly stateMachines: Readonly<Record<string, sfn.StateMachine>>;
  /** Tool name → its Lambda function (one per tool name across all agents). */
  readonly toolFunctions: Readonly<Record<string, nodejs.NodejsFunction>>;
  readonly runStateTable: dynamodb.Table;
  readonly eventsTable: dynamodb.Table;
  readonly approvalsTable: dynamodb.Table;
  readonly payloadBucket: s3.Bucket;
  readonly approvalTopic: sns.Topic;
  readonly approvalNotifier: nodejs.NodejsFunction;
  /** Stores the decision of every approval (the `RecordDecision` state), whoever answered it. */
  readonly decisionRecorder: nodejs.NodejsFunction;
  readonly approvalApi: apigateway.RestApi;
  /** The Lambda function behind `approvalApi`. */
  readonly approvalApiFunction: nodejs.NodejsFunction;
  /**
   * The model API key, given as the `OPENAI_API_KEY` secret to the containers of agents that are
   * not on Amazon Bedrock; undefined when every agent is (Bedrock authorizes with IAM).
   */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /** Fails the `RunAgent` task of an agent task that ECS stopped before it answered (see `TaskStopReporter`). */
  readonly taskStopReporter: nodejs.NodejsFunction;
  /** Live progress: `GET <url>executions/{executionArn}/events` as Server-Sent Events (IAM auth); `grantWatch` lets a principal call it. */
  readonly eventsEndpoint: ExecutionEventsEndpoint;

  constructor(scope: Construct, id: string, props: AgentPlatformProps) {
    super(scope, id);
    const resolved = resolvePlatformProps(props);
    const stateMachineNames = this.stateMachineNames(resolved);

    this.vpc = props.vpc ?? this.createVpc(resolved);
    const subnets = this.taskSubnets(props, resolved);
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Stepwise agent containers: outbound only (AWS APIs, the model endpoint)',
      allowAllOutbound: true,
    });

    const storage = new PlatformStorage(this, 'Storage', { dataRetention: resolved.dataRetention, removalPolicy: resolved.removalPolicy });
    this.runStateTable = storage.runStateTable;
    this.eventsTable = storage.eventsTable;
    this.approvalsTable = storage.approvalsTable;
    this.payloadBucket = storage.payloadBucket;

    const needsApiKey = resolved.agents.some((agent) => !isBedrockModel(modelOfAgent(agent, resolved.modelId)));
    this.apiKeySecret =
      props.openAiApiKeySecret ??
      (needsApiKey
        ? // No fixed name: CloudFormation generates one per stack (the ApiKeySecretArn output), so two
          // stacks in one account, or a redeploy after a destroy that retained the old secret, never collide.
          new secretsmanager.Secret(this, 'ApiKeySecret', {
            description: 'Stepwise model API key (OPENAI_API_KEY): replace the placeholder with your key',
            // A placeholder, not a key: the offline model needs none, a real model fails until it is replaced.
            secretStringValue: SecretValue.unsafePlainText('replace-me'),
            removalPolicy: resolved.removalPolicy,
          })
        : undefined);

    const tools = new ToolFunctions(this, 'Tools', {
      tools: resolved.tools,
      projectRoot: resolved.projectRoot,
      payloadBucket: this.payloadBucket,
      outboxTools: resolved.outboxTools,
      logRetention: resolved.logRetention,
    });
    this.toolFunctions = tools.functions;

    const approvals = new ApprovalService(this, 'Approvals', {
      approvalsTable: this.approvalsTable,
      payloadBucket: this.payloadBucket,
      stateMachineArns: [...stateMachineNames.values()].map((name) => stateMachineArnFromName(this, name)),
      approvalTimeouts: Object.fromEntries(resolved.agents.map((agent) => [agent.name, resolved.approvalTimeoutSeconds(agent)])),
      projectRoot: resolved.projectRoot,
      logRetention: resolved.logRetention,
    });
    this.approvalTopic = approvals.topic;
    this.approvalNotifier = approvals.notifier;
    this.decisionRecorder = approvals.decisionRecorder;
    this.approvalApi = approvals.api;
    this.approvalApiFunction = approvals.apiFunction;

    const imageAsset = agentImageAssetProps(resolved.projectRoot, resolved.dockerfile);
    const image = ecs.ContainerImage.fromAsset(imageAsset.directory, imageAsset);
    const taskDefinitions: Record<string, ecs.FargateTaskDefinition> = {};
    const stateMachines: Record<string, sfn.StateMachine> = {};
    for (const agent of resolved.agents) {
      const agentTools = agent.tools.map((tool) => this.toolFunctions[tool.name]);
      const model = modelOfAgent(agent, resolved.modelId);
      const workflow = new AgentWorkflow(this, `Agent-${agent.name}`, {
        agent,
        stateMachineName: stateMachineNames.get(agent.name) as string,
        cluster: this.cluster,
        subnets,
        securityGroup: this.taskSecurityGroup,
        assignPublicIp: resolved.assignPublicIp,
        image,
        cpu: resolved.cpu,
        memoryLimitMiB: resolved.memoryLimitMiB,
        environment: agentContainerEnvironment({
          cpu: resolved.cpu,
          memoryLimitMiB: resolved.memoryLimitMiB,
          runStateTable: this.runStateTable.tableName,
          eventsTable: this.eventsTable.tableName,
          approvalsTable: this.approvalsTable.tableName,
          bucket: this.payloadBucket.bucketName,
          stateMachineHeartbeatSeconds: resolved.heartbeatSeconds,
          modelId: resolved.modelId,
          configPath: resolved.containerConfigPath,
          toolFunctionsJson: Stack.of(this).toJsonString(Object.fromEntries(agent.tools.map((tool) => [tool.name, this.toolFunctions[tool.name].functionArn]))),
          region: Stack.of(this).region,
          openAiBaseUrl: resolved.openAiBaseUrl,
          v8Tuning: resolved.containerV8,
          retentionDays: resolved.dataRetentionDays,
        }),
        // An agent on Bedrock authorizes with its task role and gets no API key.
        apiKeySecret: isBedrockModel(model) ? undefined : this.apiKeySecret,
        toolFunctions: agentTools,
        approvalNotifier: this.approvalNotifier,
        decisionRecorder: this.decisionRecorder,
        approvalTimeoutSeconds: resolved.approvalTimeoutSeconds(agent),
        heartbeatSeconds: resolved.heartbeatSeconds,
        logRetention: resolved.logRetention,
      });
      this.grantStoreAccess(workflow);
      if (isBedrockModel(model)) grantBedrockModel(workflow.taskRole, model);
      taskDefinitions[agent.name] = workflow.taskDefinition;
      stateMachines[agent.name] = workflow.stateMachine;
    }
    this.taskDefinitions = taskDefinitions;
    this.stateMachines = stateMachines;
    this.taskStopReporter = new TaskStopReporter(this, 'TaskStopReporter', {
      cluster: this.cluster,
      taskDefinitionFamilies: Object.values(taskDefinitions).map((taskDefinition) => taskDefinition.family),
      stateMachineArns: [...stateMachineNames.values()].map((name) => stateMachineArnFromName(this, name)),
      projectRoot: resolved.projectRoot,
      logRetention: resolved.logRetention,
    }).function;
    this.eventsEndpoint = new ExecutionEventsEndpoint(this, 'Events', {
      eventsTable: this.eventsTable,
      payloadBucket: this.payloadBucket,
      stateMachineNames: [...stateMachineNames.values()],
      corsOrigins: resolved.eventStreamCorsOrigins,
      projectRoot: resolved.projectRoot,
      logRetention: resolved.logRetention,
    });
    if (props.openAiApiKeySecret === undefined && this.apiKeySecret) acknowledge(this.apiKeySecret, AcknowledgedFinding.ThirdPartyKeyRotation);
  }

  /** The container's own stores: item access to the three tables, object access to the checkpoint and payload prefixes. */
  private grantStoreAccess(workflow: AgentWorkflow): void {
    workflow.taskRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem'],
        resources: [
          this.runStateTable.tableArn,
          this.eventsTable.tableArn,
          this.approvalsTable.tableArn,
          `${this.approvalsTable.tableArn}/index/${APPROVALS_BY_EXECUTION_INDEX}`,
        ],
      }),
    );
    workflow.taskRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [this.payloadBucket.arnForObjects(`${CHECKPOINT_PREFIX}/*`)] }),
    );
    // Payloads: it writes long arguments and answers, and reads decisions and what approvers uploaded;
    // events too large for a DynamoDB item go to their own prefix.
    workflow.taskRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [this.payloadBucket.arnForObjects(`${PAYLOAD_PREFIX}/*`), this.payloadBucket.arnForObjects(`${EVENT_PREFIX}/*`)] }),
    );
    acknowledge(
      workflow.taskRole,
      prefixWildcardFinding(this.payloadBucket, `/${CHECKPOINT_PREFIX}/*`, 'Checkpoints too large for a DynamoDB item are objects under the checkpoints prefix, one per execution and sequence: their keys are not known in advance.'),
      prefixWildcardFinding(this.payloadBucket, `/${PAYLOAD_PREFIX}/*`, 'Payloads (long arguments, answers, decisions, approvers\' uploads) are objects keyed by approval or execution id: their keys are not known in advance.'),
      prefixWildcardFinding(this.payloadBucket, `/${EVENT_PREFIX}/*`, 'Progress events too large for a DynamoDB item are objects keyed by execution and a random id: their keys are not known in advance.'),
    );
  }

  private taskSubnets(props: AgentPlatformProps, resolved: ResolvedPlatformProps): ec2.ISubnet[] {
    const problem = resolved.assignPublicIp
      ? 'selects no subnet of vpc to run the agent containers in: with assignPublicIp they run in public subnets (a route to an internet gateway); give the VPC some, or pass taskSubnets'
      : 'selects no subnet of vpc to run the agent containers in: give the VPC private subnets with egress (a NAT gateway or VPC endpoints), pass taskSubnets, or set assignPublicIp for public subnets without a NAT gateway';
    const byDefault = { subnetType: resolved.assignPublicIp ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS };
    let subnets: ec2.ISubnet[];
    try {
      subnets = this.vpc.selectSubnets(props.taskSubnets ?? byDefault).subnets;
    } catch (error) {
      throw new ConfigDefinitionError(`AgentPlatform: taskSubnets ${problem} (${(error as Error).message})`, { field: 'taskSubnets', cause: error });
    }
    if (subnets.length === 0) throw new ConfigDefinitionError(`AgentPlatform: taskSubnets ${problem}`, { field: 'taskSubnets' });
    return subnets;
  }

  private stateMachineNames(resolved: ResolvedPlatformProps): Map<string, string> {
    const stackName = Stack.of(this).stackName;
    const names = new Map<string, string>();
    for (const agent of resolved.agents) {
      const name = `${stackName}-${agent.name}`;
      if (name.length > STATE_MACHINE_NAME_LIMIT) {
        throw new ConfigDefinitionError(
          `AgentPlatform: the state machine name "${name}" (stack name + agent name) is longer than ${STATE_MACHINE_NAME_LIMIT} characters: shorten the stack name or the agent name`,
          { field: 'agents' },
        );
      }
      names.set(agent.name, name);
    }
    return names;
  }

  private createVpc(resolved: ResolvedPlatformProps): ec2.Vpc {
    // With public IPs the containers reach the internet through the internet gateway: no NAT gateway, no private subnets.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: resolved.assignPublicIp ? 0 : 1,
      subnetConfiguration: resolved.assignPublicIp
        ? [{ name: 'agents', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 22 }]
        : [
            { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
            { name: 'agents', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
          ],
    });
    // Free gateway endpoints: image layers (ECR serves them from S3), payloads and the tables bypass the NAT gateway and its per-GB charge.
    vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', { retention: resolved.logRetention })),
      // Rejected traffic is what an investigation needs; accepted NAT traffic would multiply the log volume.
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}
