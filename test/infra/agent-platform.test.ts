import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import os from 'node:os';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadConfig } from '../../framework';
import { localResources, startProjectEngine, stateMachineArn } from '../../local';
import path from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { analysis, content, research } from '../../agents';
import { readContainerConfig } from '../../agent-task';
import { AcknowledgedFinding, PlatformDefaults, findProjectRoot, StackOutput, TASK_DEFINITION_ENV, TASK_DEFINITION_SECRETS, stateMachineOutputName } from '../../infra';
import type { StepwiseStack } from '../../infra/stepwise-stack';
import { AGENT_CONTAINER_NAME, ContainerEnv, DYNAMIC_CONTAINER_ENV, DefinitionDefaults, StateName, buildAgentDefinition } from '../../state-machines';
import { nagAcknowledgments, nagFindings, placeholder, synthesizeStack, withDeployTimeValues, withPlaceholders } from './synthesized';

const agents = [research, content, analysis];
const toolNames = [...new Set(agents.flatMap((agent) => agent.tools.map((tool) => tool.name)))];

let stack: StepwiseStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synthesizeStack({ agents, outboxTools: ['publish_report'] }));
});

type Resource = { Properties: Record<string, any> };

function resourcesOf(type: string, props?: Record<string, unknown>): Resource[] {
  return Object.values(template.findResources(type, props ? { Properties: Match.objectLike(props) } : undefined)) as Resource[];
}

function containerOf(agentName: string): { Environment: { Name: string; Value: unknown }[]; Secrets: { Name: string; ValueFrom: unknown }[]; LogConfiguration: any; Name: string } {
  const taskDefinition = resourcesOf('AWS::ECS::TaskDefinition', { Family: Match.stringLikeRegexp(`Agent${agentName}`) });
  expect(taskDefinition).toHaveLength(1);
  return taskDefinition[0].Properties.ContainerDefinitions[0];
}

describe('the state machines', () => {
  it('creates one Standard state machine per agent, named after it, with full logging and tracing', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', agents.length);
    for (const agent of agents) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `Stepwise-${agent.name}`,
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      });
    }
  });

  it('deploys exactly the definition the local engine runs, with AWS resources in place of the local ones', () => {
    const platform = stack.platform;
    const subnets = platform.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    for (const agent of agents) {
      const [machine] = resourcesOf('AWS::StepFunctions::StateMachine', { StateMachineName: `Stepwise-${agent.name}` });
      const deployed = JSON.parse(withPlaceholders(machine.Properties.DefinitionString));
      // The options the local engine passes for an agent (name, its approval timeout), the AWS heartbeat, the AWS resources.
      const expected = buildAgentDefinition({
        agentName: agent.name,
        approvalTimeoutSeconds: agent.approval.timeoutSeconds,
        heartbeatSeconds: PlatformDefaults.heartbeatSeconds,
        resources: {
          cluster: placeholder(stack.resolve(platform.cluster.clusterArn)),
          taskDefinition: placeholder(stack.resolve(platform.taskDefinitions[agent.name].taskDefinitionArn)),
          subnets: subnets.map((subnet) => placeholder(stack.resolve(subnet.subnetId))),
          securityGroups: [placeholder(stack.resolve(platform.taskSecurityGroup.securityGroupId))],
          approvalFunction: placeholder(stack.resolve(platform.approvalNotifier.functionArn)),
          decisionFunction: placeholder(stack.resolve(platform.decisionRecorder.functionArn)),
        },
      });
      expect(deployed).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('gives RunAgent a heartbeat on AWS that allows for a Fargate cold start (image pull, ENI attach)', () => {
    for (const agent of agents) {
      const [machine] = resourcesOf('AWS::StepFunctions::StateMachine', { StateMachineName: `Stepwise-${agent.name}` });
      const deployed = JSON.parse(withPlaceholders(machine.Properties.DefinitionString));
      expect(deployed.States[StateName.RunAgent].HeartbeatSeconds).toBeGreaterThanOrEqual(180);
      expect(deployed.States[StateName.RunAgent].HeartbeatSeconds).toBe(PlatformDefaults.heartbeatSeconds);
    }
    // The container beats three times per interval, so one late beat does not get it re-run.
    const heartbeat = containerOf(research.name).Environment.find((variable) => variable.Name === ContainerEnv.HeartbeatSeconds);
    expect(heartbeat?.Value).toBe(String(PlatformDefaults.heartbeatSeconds / 3));
  });

  it('deploys the very definition a running local engine serves for the same config', async () => {
    const platform = stack.platform;
    const subnets = platform.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    const configPath = path.join(findProjectRoot(__dirname)!, 'stepwise.config.ts');
    const { config } = await loadConfig(configPath);
    const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-infra-'));
    const engine = await startProjectEngine({ config, configPath, root, workspace: { STEPWISE_CORPUS_DIR: root, STEPWISE_OUTBOX_DIR: root } });
    try {
      const sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      for (const agent of agents) {
        const { definition } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: stateMachineArn(agent.name) }));
        const awsResources: Record<string, string> = {
          [localResources.cluster]: placeholder(stack.resolve(platform.cluster.clusterArn)),
          [localResources.taskDefinition]: placeholder(stack.resolve(platform.taskDefinitions[agent.name].taskDefinitionArn)),
          [localResources.approvalFunction]: placeholder(stack.resolve(platform.approvalNotifier.functionArn)),
          [localResources.decisionFunction]: placeholder(stack.resolve(platform.decisionRecorder.functionArn)),
        };
        const asDeployed = JSON.parse(definition!, (key, value) => {
          if (key === 'Subnets') return subnets.map((subnet) => placeholder(stack.resolve(subnet.subnetId)));
          if (key === 'SecurityGroups') return [placeholder(stack.resolve(platform.taskSecurityGroup.securityGroupId))];
          return typeof value === 'string' && value in awsResources ? awsResources[value] : value;
        });
        const [machine] = resourcesOf('AWS::StepFunctions::StateMachine', { StateMachineName: `Stepwise-${agent.name}` });
        const deployed = JSON.parse(withPlaceholders(machine.Properties.DefinitionString));
        // The one documented difference: AWS allows for a Fargate cold start, the local engine's containers start in a second.
        expect(asDeployed.States[StateName.RunAgent].HeartbeatSeconds).toBe(DefinitionDefaults.heartbeatSeconds);
        expect(deployed.States[StateName.RunAgent].HeartbeatSeconds).toBe(PlatformDefaults.heartbeatSeconds);
        asDeployed.States[StateName.RunAgent].HeartbeatSeconds = PlatformDefaults.heartbeatSeconds;
        expect(deployed).toEqual(asDeployed);
      }
    } finally {
      await engine.stop();
    }
  });

  it('names each state machine in a stack output the CLI can find by agent name', () => {
    const outputs = template.findOutputs('*');
    for (const agent of agents) {
      expect(outputs[stateMachineOutputName(agent.name)].Value).toEqual(stack.resolve(stack.platform.stateMachines[agent.name].stateMachineArn));
    }
    const agentsOutput = withPlaceholders(outputs[StackOutput.Agents].Value);
    expect(Object.keys(JSON.parse(agentsOutput))).toEqual(agents.map((agent) => agent.name));
    for (const name of [StackOutput.ApprovalApiUrl, StackOutput.ApprovalTopicArn, StackOutput.RunStateTableName, StackOutput.EventsTableName, StackOutput.ApprovalsTableName, StackOutput.PayloadBucketName, StackOutput.ApiKeySecretArn]) {
      expect(outputs[name]).toBeDefined();
    }
  });
});

describe('the agent containers', () => {
  it('creates one Fargate task definition per agent with the agent container logging to CloudWatch', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', agents.length);
    for (const agent of agents) {
      const container = containerOf(agent.name);
      expect(container.Name).toBe(AGENT_CONTAINER_NAME);
      expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    }
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '2048', RequiresCompatibilities: ['FARGATE'], NetworkMode: 'awsvpc' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('sets the static part of the container contract and gives the API key only as a secret', () => {
    const container = containerOf(research.name);
    const names = container.Environment.map((variable) => variable.Name).sort();
    expect(names).toEqual([...TASK_DEFINITION_ENV].sort());
    expect(container.Secrets.map((secret) => secret.Name)).toEqual([...TASK_DEFINITION_SECRETS]);
    expect(container.Secrets[0].ValueFrom).toEqual(stack.resolve(stack.platform.apiKeySecret!.secretArn));
    expect(JSON.stringify(container.Environment)).not.toContain('OPENAI_API_KEY');
  });

  it('gives an environment that the container reads without error once the state machine adds the per-turn variables', () => {
    const container = containerOf(research.name);
    const environment = Object.fromEntries(container.Environment.map((variable) => [variable.Name, withDeployTimeValues(variable.Value)]));
    const perTurn = {
      [ContainerEnv.TaskToken]: 'token',
      [ContainerEnv.ExecutionArn]: 'arn:aws:states:us-east-1:123456789012:execution:Stepwise-research:run-1',
      [ContainerEnv.Agent]: research.name,
      [ContainerEnv.Turn]: '1',
    };
    expect(Object.keys(perTurn).sort()).toEqual([...DYNAMIC_CONTAINER_ENV].sort());

    const config = readContainerConfig({ ...environment, ...perTurn, OPENAI_API_KEY: 'from-secrets-manager' });

    expect(config.configPath).toBe('/app/stepwise.config.ts');
    expect(config.store.kind).toBe('dynamodb');
    expect(config.heartbeatSeconds).toBe(PlatformDefaults.heartbeatSeconds / 3);
    expect(config.model).toBe('offline');
    expect(Object.keys(config.toolFunctions).sort()).toEqual(research.tools.map((tool) => tool.name).sort());
    expect(config.contextEnv.STEPWISE_OUTBOX_DIR).toMatch(/^s3:\/\/res-[0-9a-f]+\/outbox$/);
  });

  it('runs an init process in each container, so signals reach node and zombies are reaped', () => {
    for (const agent of agents) {
      const [taskDefinition] = resourcesOf('AWS::ECS::TaskDefinition', { Family: Match.stringLikeRegexp(`Agent${agent.name}`) });
      expect(taskDefinition.Properties.ContainerDefinitions[0].LinuxParameters).toMatchObject({ InitProcessEnabled: true });
    }
  });

  it('points the container at the platform tables and bucket', () => {
    const store = containerOf(content.name).Environment.find((variable) => variable.Name === ContainerEnv.Store)!;
    const storeValue = JSON.stringify(store.Value);
    for (const resource of [stack.platform.runStateTable.tableName, stack.platform.eventsTable.tableName, stack.platform.approvalsTable.tableName, stack.platform.payloadBucket.bucketName]) {
      expect(storeValue).toContain(JSON.stringify(stack.resolve(resource)));
    }
  });
});

describe('agent tasks that ECS stops before they answer', () => {
  it('sends every STOPPED agent task of the cluster to a function that fails its RunAgent task', () => {
    const rules = resourcesOf('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'] }) });
    expect(rules).toHaveLength(1);
    const { EventPattern, Targets, State } = rules[0].Properties;
    expect(State).toBe('ENABLED');
    expect(EventPattern.detail.lastStatus).toEqual(['STOPPED']);
    expect(EventPattern.detail.clusterArn).toEqual([stack.resolve(stack.platform.cluster.clusterArn)]);
    // One prefix per agent: every revision of the agent's task definition family, and nothing else.
    const families = agents.map((agent) => resourcesOf('AWS::ECS::TaskDefinition', { Family: Match.stringLikeRegexp(`Agent${agent.name}`) })[0].Properties.Family as string);
    const prefixes = (EventPattern.detail.taskDefinitionArn as { prefix: unknown }[]).map((matcher) => withDeployTimeValues(matcher.prefix));
    expect(prefixes.sort()).toEqual(families.map((family) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:`).sort());
    expect(Targets).toHaveLength(1);
    expect(Targets[0].Arn).toEqual(stack.resolve(stack.platform.taskStopReporter.functionArn));
    expect(Targets[0].RetryPolicy).toMatchObject({ MaximumRetryAttempts: expect.any(Number) });
  });

  it('deploys the reporter from the handler that fails the task with ECS\'s stopped reason', () => {
    const [reporter] = resourcesOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('stopped before') });
    expect(reporter.Properties).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: stack.resolve(stack.platform.taskStopReporter.functionArn),
    });
  });
});

describe('live progress from AWS', () => {
  it('serves the events endpoint from a function URL that streams its response and requires IAM (SigV4) authorization, CORS off', () => {
    const urls = resourcesOf('AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    expect(urls[0].Properties).toEqual({
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      TargetFunctionArn: stack.resolve(stack.platform.eventsEndpoint.function.functionArn),
    });
    // No resource policy opens the function to anyone: callers need identity policies of their own account.
    expect(resourcesOf('AWS::Lambda::Permission').filter((permission) => permission.Properties.FunctionName === stack.resolve(stack.platform.eventsEndpoint.function.functionArn))).toEqual([]);
  });

  it('names the endpoint in a stack output the CLI reads, and tells the function which state machines are the stack\'s', () => {
    expect(template.findOutputs(StackOutput.EventsUrl)[StackOutput.EventsUrl].Value).toEqual(stack.resolve(stack.platform.eventsEndpoint.functionUrl.url));
    const [fn] = resourcesOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('events endpoint') });
    expect(fn.Properties).toMatchObject({ Timeout: 900, Runtime: 'nodejs22.x' });
    expect(fn.Properties.Environment.Variables.STEPWISE_EVENTS_TABLE).toEqual(stack.resolve(stack.platform.eventsTable.tableName));
    const arns = JSON.parse(withDeployTimeValues(fn.Properties.Environment.Variables.STEPWISE_STATE_MACHINE_ARNS)) as string[];
    expect(arns).toEqual(agents.map((agent) => `arn:aws:states:us-east-1:123456789012:stateMachine:Stepwise-${agent.name}`));
  });
});

/**
 * Loads a deployed function's bundle as the Lambda runtime would: its environment set while the
 * module initializes, `@aws-sdk/*` from the repository's node_modules (the runtime provides them),
 * and the runtime's globals given as `globals`.
 */
function loadBundle(description: RegExp, env: Record<string, string>, globals: Record<string, unknown> = {}): { handler: (...args: unknown[]) => Promise<unknown> } {
  const [resource] = resourcesOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp(description.source) });
  const bundle = path.join((stack.node.root as App).outdir, `asset.${String(resource.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.js');
  const module = { exports: {} as { handler: (...args: unknown[]) => Promise<unknown> } };
  const requireFromRepository = createRequire(path.join(findProjectRoot(__dirname)!, 'package.json'));
  const saved = { ...process.env };
  Object.assign(process.env, env, { AWS_REGION: 'us-east-1' });
  try {
    const names = Object.keys(globals);
    new Function('exports', 'require', 'module', '__filename', '__dirname', ...names, readFileSync(bundle, 'utf8'))(module.exports, requireFromRepository, module, bundle, path.dirname(bundle), ...names.map((name) => globals[name]));
  } finally {
    process.env = saved;
  }
  return module.exports;
}

describe('the Lambda bundles', () => {
  it('keep class names, so a thrown error reaches Step Functions and the logs by its name, not a minified one', async () => {
    // The approval notifier throws InvalidInputError at a bad payload; the Lambda runtime reports `error.name` as the errorType.
    const notifier = loadBundle(/approval notifier/, { STEPWISE_APPROVALS_TABLE: 'Approvals', STEPWISE_APPROVAL_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:approvals' });

    await expect(notifier.handler({ agent: 'research' })).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('serve the events endpoint through the runtime\'s response streaming API, with the status and headers first', async () => {
    const heads: unknown[] = [];
    const awslambda = {
      streamifyResponse: (handler: (event: unknown, stream: Writable, context: unknown) => Promise<void>) => handler,
      HttpResponseStream: {
        from: (stream: Writable, head: unknown) => {
          heads.push(head);
          return stream;
        },
      },
    };
    const events = loadBundle(/events endpoint/, { STEPWISE_EVENTS_TABLE: 'Events', STEPWISE_PAYLOAD_BUCKET: 'payloads', STEPWISE_STATE_MACHINE_ARNS: JSON.stringify(['arn:aws:states:us-east-1:123456789012:stateMachine:Stepwise-research']) }, { awslambda });
    let body = '';
    const responseStream = new Writable({
      write(chunk, _encoding, callback) {
        body += String(chunk);
        callback();
      },
    });
    const otherStack = encodeURIComponent('arn:aws:states:us-east-1:123456789012:execution:Other-research:run-1');

    await events.handler({ rawPath: `/executions/${otherStack}/events`, rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET' } } }, responseStream, { getRemainingTimeInMillis: () => 900_000 });

    expect(heads).toEqual([{ statusCode: 404, headers: expect.objectContaining({ 'content-type': 'application/json' }) }]);
    expect(JSON.parse(body)).toMatchObject({ field: 'executionArn' });
  });
});

describe('the tool functions', () => {
  it('creates one Node.js 22 ARM64 function per tool, traced, with the bundled corpus', () => {
    const tools = resourcesOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Stepwise tool ') });
    expect(tools.map((fn) => /"([^"]+)"/.exec(fn.Properties.Description)![1]).sort()).toEqual([...toolNames].sort());
    for (const fn of tools) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Environment.Variables.STEPWISE_CORPUS_DIR).toBe('/var/task/corpus');
      const bundle = path.join((stack.node.root as App).outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      expect(existsSync(path.join(bundle, 'index.js'))).toBe(true);
      expect(readdirSync(path.join(bundle, 'corpus', 'documents')).length).toBeGreaterThan(0);
    }
  });

  it('lets only publish_report write, and only to the outbox prefix', () => {
    const tools = resourcesOf('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Stepwise tool ') });
    const withOutbox = tools.filter((fn) => fn.Properties.Environment.Variables.STEPWISE_OUTBOX_DIR !== undefined);
    expect(withOutbox.map((fn) => /"([^"]+)"/.exec(fn.Properties.Description)![1])).toEqual(['publish_report']);
    const publishReportRole = stack.resolve((stack.platform.toolFunctions.publish_report.role as { roleName: string }).roleName);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [publishReportRole],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [stack.resolve(stack.platform.payloadBucket.bucketArn), '/outbox/*']] } },
        ]),
      },
    });
  });
});

describe('the stores', () => {
  it('creates on-demand tables with point-in-time recovery, encryption, TTL and the key schemas of framework/stores', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    const common = {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    };
    template.allResourcesProperties('AWS::DynamoDB::Table', common);
    // The events table and the run-state table (one item per journal record) are keyed by (pk, sk).
    const byKeyAndSequence = template.findResources('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([{ AttributeName: 'sk', AttributeType: 'N' }]),
      },
    });
    expect(Object.keys(byKeyAndSequence).sort()).toEqual([expect.stringMatching(/EventsTable/), expect.stringMatching(/RunStateTable/)]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byExecutionArn', KeySchema: [{ AttributeName: 'executionArn', KeyType: 'HASH' }] })],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('creates a private, encrypted, TLS-only, versioned payload bucket whose objects expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: PlatformDefaults.dataRetentionDays, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: stack.resolve(stack.platform.payloadBucket.bucketName),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('approvals', () => {
  it('requires IAM authorization on every method of the approval API, and validates requests', () => {
    const methods = resourcesOf('AWS::ApiGateway::Method');
    expect(methods.map((method) => method.Properties.HttpMethod).sort()).toEqual(['GET', 'GET', 'POST', 'POST']);
    for (const method of methods) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }), TracingEnabled: true });
  });

  it('announces approvals on an encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

it('creates a VPC with flow logs and one NAT gateway, and a cluster with container insights', () => {
  template.resourceCountIs('AWS::EC2::VPC', 1);
  template.resourceCountIs('AWS::EC2::NatGateway', 1);
  template.resourceCountIs('AWS::EC2::FlowLog', 1);
  template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  expect(Stack.of(stack.platform).stackName).toBe('Stepwise');
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no finding that is not acknowledged (errors and warnings both stop cdk synth)', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('acknowledges only known findings, each with a written reason', () => {
    const known = new Set<string>(Object.values(AcknowledgedFinding).map((finding) => finding.id));
    const found = nagAcknowledgments(stack);
    expect(found.length).toBeGreaterThan(0);
    for (const { id, reason } of found) {
      // Prefix grants (`<Bucket.Arn>/outbox/*`), RunTask on the revisions of an agent's own task definition family and
      // the executions of the stack's state machines (the events endpoint, a container's own) are the only IAM5 findings
      // beside the services that require "*".
      const prefixGrant = /^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/(outbox|checkpoints|events|payloads(\/(approvals|decisions|uploads))?)\/\*\]$/.test(id);
      const revisionsGrant = /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition\/\w+:\*\]$/.test(id);
      const executionsGrant = /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:Stepwise-[\w-]+:\*\]$/.test(id);
      expect({ id, acknowledged: known.has(id) || prefixGrant || revisionsGrant || executionsGrant }).toEqual({ id, acknowledged: true });
      expect(reason.length).toBeGreaterThan(60);
    }
  });
});
