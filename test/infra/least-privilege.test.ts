import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { z } from 'zod';
import { ConfigDefinitionError, defineAgent, defineTool } from '../../framework';
import { AgentPlatform } from '../../infra';
import type { StepwiseStack } from '../../infra/stepwise-stack';
import { publishReport, searchDocuments } from '../../tools';
import { nagFindings, synthesizeStack, testAppContext } from './synthesized';

// A tool of the user's own, deployed from a handler file named in toolEntries.
const lookup = defineTool({
  name: 'lookup',
  description: 'Looks a document up by id',
  parameters: z.object({ id: z.string() }),
  execute: ({ id }) => ({ id }),
});
const alpha = defineAgent({ name: 'alpha', description: 'Reads one document', tools: [lookup], approval: { timeoutSeconds: 600 } });
const beta = defineAgent({ name: 'beta', description: 'Searches and publishes', tools: [searchDocuments, publishReport] });

let stack: StepwiseStack;
let template: Template;

beforeAll(() => {
  // The template is all these tests read: no Lambda bundles needed.
  ({ stack, template } = synthesizeStack({ agents: [alpha, beta], toolEntries: { lookup: 'tools/get_document/handler.ts' } }, 'Scoped', { bundle: false }));
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** The statements of a role's policies; CDK orders actions and resources its own way, so both are sorted here. */
function statementsOf(role: { roleName: string }): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [stack.resolve(role.roleName)] } });
  return Object.values(policies)
    .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement)
    .map(normalized);
}

function normalized(statement: Statement): Statement {
  const byJson = (left: unknown, right: unknown) => JSON.stringify(left).localeCompare(JSON.stringify(right));
  return {
    ...statement,
    Action: Array.isArray(statement.Action) ? [...statement.Action].sort() : statement.Action,
    Resource: Array.isArray(statement.Resource) ? [...statement.Resource].sort(byJson) : statement.Resource,
  };
}

function actionsOf(statements: readonly Statement[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])).sort();
}

/** A template value (string or Fn::Join) with the pseudo parameters replaced by deploy-time values. */
function deployTimeArn(value: unknown): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012' };
  return parts.map((part) => (typeof part === 'string' ? part : pseudo[(part as { Ref: string }).Ref])).join(separator);
}

/** The ARN of a task definition family's revisions, as the template writes it. */
function taskDefinitionFamilyArn(family: string, revision: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:task-definition/${family}:${revision}`]] };
}

function taskRole(agent: string) {
  return stack.platform.taskDefinitions[agent].taskRole as unknown as { roleName: string };
}

function stateMachineArn(name: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:stateMachine:${name}`]] };
}

function executionsOf(name: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:execution:${name}:*`]] };
}

const payloadObjects = (suffix: string) => ({ 'Fn::Join': ['', [stack.resolve(stack.platform.payloadBucket.bucketArn), suffix]] });

describe('the container role of an agent', () => {
  it('may invoke only the functions of its own tools', () => {
    const invoke = statementsOf(taskRole('alpha')).filter((statement) => statement.Action === 'lambda:InvokeFunction');
    expect(invoke).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: stack.resolve(stack.platform.toolFunctions.lookup.functionArn) }]);
    const betaInvoke = statementsOf(taskRole('beta')).find((statement) => statement.Action === 'lambda:InvokeFunction')!;
    const betaTools = [stack.platform.toolFunctions.search_documents, stack.platform.toolFunctions.publish_report];
    expect(betaInvoke).toEqual(normalized({ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: betaTools.map((fn) => stack.resolve(fn.functionArn)) }));
  });

  it('is the only one that may invoke tool functions: no other role of the stack, and no resource policy', () => {
    const toolArns = new Set(Object.values(stack.platform.toolFunctions).map((fn) => JSON.stringify(stack.resolve(fn.functionArn))));
    const taskRoles = new Set(Object.keys(stack.platform.taskDefinitions).map((agent) => JSON.stringify(stack.resolve(taskRole(agent).roleName))));
    const invokers = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
      const { Roles = [], PolicyDocument } = (policy as { Properties: { Roles?: unknown[]; PolicyDocument: { Statement: Statement[] } } }).Properties;
      const invokesTools = PolicyDocument.Statement.map(normalized).some((statement) => {
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        return actions.some((action) => /^(lambda:(InvokeFunction|\*)|\*)$/.test(action)) && resources.some((resource) => resource === '*' || toolArns.has(JSON.stringify(resource)));
      });
      return invokesTools ? Roles.map((role) => JSON.stringify(role)) : [];
    });

    expect(invokers.length).toBeGreaterThan(0);
    expect(invokers.filter((role) => !taskRoles.has(role))).toEqual([]);
    const toolNames = new Set(Object.values(stack.platform.toolFunctions).map((fn) => JSON.stringify(stack.resolve(fn.functionName))));
    const toolPermissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((permission) => {
      const target = JSON.stringify((permission as { Properties: { FunctionName: unknown } }).Properties.FunctionName);
      return toolArns.has(target) || toolNames.has(target);
    });
    expect(toolPermissions).toEqual([]);
  });

  it('may answer task tokens of its own state machine only, and read the input of its own executions only', () => {
    const sendTask = statementsOf(taskRole('alpha')).filter((statement) => actionsOf([statement]).some((action) => action.startsWith('states:')));
    expect(sendTask).toEqual([
      normalized({ Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], Effect: 'Allow', Resource: stateMachineArn('Scoped-alpha') }),
      { Action: 'states:DescribeExecution', Effect: 'Allow', Resource: executionsOf('Scoped-alpha') },
    ]);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'Scoped-alpha' });
  });

  it('reaches its tables and the checkpoint and payload prefixes of the bucket, and nothing else', () => {
    const statements = statementsOf(taskRole('alpha'));
    expect(actionsOf(statements)).toEqual(
      [
        'lambda:InvokeFunction',
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
        'states:DescribeExecution',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:ConditionCheckItem',
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:GetObject',
        's3:PutObject',
      ].sort(),
    );
    const s3 = statements.filter((statement) => actionsOf([statement]).includes('s3:GetObject'));
    expect(s3.map((statement) => statement.Resource)).toEqual([payloadObjects('/checkpoints/*'), normalized({ Action: [], Effect: 'Allow', Resource: [payloadObjects('/payloads/*'), payloadObjects('/events/*')] }).Resource]);
    const dynamodb = statements.find((statement) => actionsOf([statement]).includes('dynamodb:GetItem'))!;
    expect(dynamodb.Resource).toEqual(
      normalized({
        Action: [],
        Effect: 'Allow',
        Resource: [
          stack.resolve(stack.platform.runStateTable.tableArn),
          stack.resolve(stack.platform.eventsTable.tableArn),
          stack.resolve(stack.platform.approvalsTable.tableArn),
          { 'Fn::Join': ['', [stack.resolve(stack.platform.approvalsTable.tableArn), '/index/byExecutionArn']] },
        ],
      }).Resource,
    );
  });
});

describe('the state machine role of an agent', () => {
  it('runs only its own task definition in the platform cluster, passes only its own roles, and invokes only the notifier and the decision recorder', () => {
    const role = stack.platform.stateMachines.beta.role as unknown as { roleName: string };
    const statements = statementsOf(role);
    const taskDefinition = stack.platform.taskDefinitions.beta;
    expect(statements).toEqual(
      expect.arrayContaining([
        { Action: 'ecs:RunTask', Effect: 'Allow', Resource: taskDefinitionFamilyArn(taskDefinition.family, '*'), Condition: { ArnEquals: { 'ecs:cluster': stack.resolve(stack.platform.cluster.clusterArn) } } },
        normalized({
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: [stack.resolve(taskDefinition.taskRole.roleArn), stack.resolve(taskDefinition.executionRole!.roleArn)],
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
        normalized({ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [stack.resolve(stack.platform.approvalNotifier.functionArn), stack.resolve(stack.platform.decisionRecorder.functionArn)] }),
      ]),
    );
    // The callback pattern neither polls nor stops the task: no .sync permissions.
    expect(actionsOf(statements).filter((action) => /^(ecs:(StopTask|DescribeTasks)|events:)/.test(action))).toEqual([]);
  });
});

describe('a redeploy while executions are paused', () => {
  it('keeps the task definition revision a paused execution names, and lets its state machine run it', () => {
    for (const agent of ['alpha', 'beta']) {
      const taskDefinition = stack.platform.taskDefinitions[agent];
      const logicalId = stack.getLogicalId(taskDefinition.node.defaultChild as CfnElement);
      // A changed image or environment replaces the task definition: the old revision must stay ACTIVE, not be deregistered.
      expect(template.toJSON().Resources[logicalId]).toMatchObject({ Type: 'AWS::ECS::TaskDefinition', UpdateReplacePolicy: 'Retain' });
      // The definition an execution started with names its revision; the role (evaluated when the turn runs) allows every revision of the family.
      const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: `Scoped-${agent}` } })) as { Properties: { DefinitionString: unknown } }[];
      expect(JSON.stringify(machine.Properties.DefinitionString)).toContain(JSON.stringify(stack.resolve(taskDefinition.taskDefinitionArn)));
      const runTask = statementsOf(stack.platform.stateMachines[agent].role as unknown as { roleName: string }).find((statement) => statement.Action === 'ecs:RunTask')!;
      const allowed = new RegExp(`^${deployTimeArn(runTask.Resource).replace(/[.]/g, '\\.').replace('*', '[0-9]+')}$`);
      const previousRevision = `arn:aws:ecs:us-east-1:123456789012:task-definition/${taskDefinition.family}:7`;
      expect(previousRevision).toMatch(allowed);
      expect(`arn:aws:ecs:us-east-1:123456789012:task-definition/${stack.platform.taskDefinitions[agent === 'alpha' ? 'beta' : 'alpha'].family}:7`).not.toMatch(allowed);
    }
  });
});

describe('the stopped-task reporter', () => {
  it('may only fail tasks of the agents\' state machines', () => {
    const statements = statementsOf(stack.platform.taskStopReporter.role as unknown as { roleName: string });
    expect(statements).toEqual(
      expect.arrayContaining([normalized({ Action: 'states:SendTaskFailure', Effect: 'Allow', Resource: [stateMachineArn('Scoped-alpha'), stateMachineArn('Scoped-beta')] })]),
    );
    expect(actionsOf(statements)).toEqual(['states:SendTaskFailure', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort());
  });
});

describe('the events endpoint function', () => {
  it('may only Query the events of the stack\'s executions, read the ones too large for DynamoDB, and describe those executions', () => {
    const statements = statementsOf(stack.platform.eventsEndpoint.function.role as unknown as { roleName: string });
    const executions = ['Scoped-alpha', 'Scoped-beta'].map((name) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:execution:${name}:*`]],
    }));
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Action: 'dynamodb:Query',
          Effect: 'Allow',
          Resource: stack.resolve(stack.platform.eventsTable.tableArn),
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': executions } },
        },
        normalized({ Action: 'states:DescribeExecution', Effect: 'Allow', Resource: executions }),
        normalized({ Action: 's3:GetObject', Effect: 'Allow', Resource: stack.resolve(stack.platform.payloadBucket.arnForObjects('events/*')) }),
      ]),
    );
    expect(actionsOf(statements)).toEqual(['dynamodb:Query', 'states:DescribeExecution', 's3:GetObject', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort());
  });
});

it('gives no resource a fixed physical name that a second stack in the account would collide with', () => {
  const named: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      // Inline policy names live inside their role, display and stage names inside their resource: not account-wide names.
      if (!/(Name|Family)$/.test(property) || ['PolicyName', 'DisplayName', 'StageName'].includes(property)) continue;
      // A literal name must belong to this stack; names CloudFormation generates (no property, or a token) are unique anyway.
      if (typeof value === 'string' && !value.includes('Scoped')) named.push(`${logicalId}.${property} = ${value}`);
    }
  }
  expect(named).toEqual([]);
  template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: Match.absent() });
});

describe('the approval functions', () => {
  it('let the notifier only store approvals and publish to the topic', () => {
    const statements = statementsOf(stack.platform.approvalNotifier.role as unknown as { roleName: string });
    expect(statements).toEqual(
      expect.arrayContaining([
        { Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: stack.resolve(stack.platform.approvalsTable.tableArn) },
        { Action: 'sns:Publish', Effect: 'Allow', Resource: stack.resolve(stack.platform.approvalTopic.topicArn) },
      ]),
    );
    expect(actionsOf(statements)).toEqual(['dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sns:Publish', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort());
  });

  it('let the approval API only read and delete approvals, answer the agents\' state machines, read long arguments and upload long edits', () => {
    const statements = statementsOf(stack.platform.approvalApiFunction.role as unknown as { roleName: string });
    expect(statements).toEqual(
      expect.arrayContaining([
        normalized({ Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Effect: 'Allow', Resource: [stateMachineArn('Scoped-alpha'), stateMachineArn('Scoped-beta')] }),
        { Action: 's3:GetObject', Effect: 'Allow', Resource: payloadObjects('/payloads/approvals/*') },
        { Action: 's3:PutObject', Effect: 'Allow', Resource: payloadObjects('/payloads/uploads/*') },
      ]),
    );
    expect(actionsOf(statements)).toEqual(
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DeleteItem', 'states:SendTaskSuccess', 'states:SendTaskFailure', 's3:GetObject', 's3:PutObject', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort(),
    );
  });

  it('let the decision recorder only write decisions', () => {
    const statements = statementsOf(stack.platform.decisionRecorder.role as unknown as { roleName: string });
    expect(statements).toEqual(expect.arrayContaining([{ Action: 's3:PutObject', Effect: 'Allow', Resource: payloadObjects('/payloads/decisions/*') }]));
    expect(actionsOf(statements)).toEqual(['s3:PutObject', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort());
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('decision recorder'),
      Environment: { Variables: Match.objectLike({ STEPWISE_PAYLOAD_BUCKET: stack.resolve(stack.platform.payloadBucket.bucketName) }) },
    });
  });
});

it('gives read-only tools no permission beyond their own logs and traces', () => {
  for (const tool of ['lookup', 'search_documents']) {
    const statements = statementsOf(stack.platform.toolFunctions[tool].role as unknown as { roleName: string });
    expect(actionsOf(statements)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort());
  }
});

it('uses the approval timeout of each agent in its state machine', () => {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'Scoped-alpha' } })) as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }[];
  const literal = machine.Properties.DefinitionString['Fn::Join'][1].filter((part) => typeof part === 'string').join('');
  expect(literal).toContain('"TimeoutSeconds":600,');
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ STEPWISE_APPROVAL_TIMEOUTS: JSON.stringify({ alpha: 600, beta: beta.approval.timeoutSeconds }) }) },
  });
});

it('passes cdk-nag with a custom configuration too', () => {
  expect(nagFindings(stack)).toEqual([]);
});

describe('props validation', () => {
  const newStack = () => new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Invalid');

  it('refuses a platform without agents, naming the prop', () => {
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [] })).toThrow(expect.objectContaining({ name: 'ConfigDefinitionError', field: 'agents' }));
  });

  it('refuses a task size Fargate does not offer, naming the prop', () => {
    const act = () => new AgentPlatform(newStack(), 'Platform', { agents: [alpha], cpu: 256, memoryLimitMiB: 4096, toolEntries: { lookup: 'tools/get_document/handler.ts' } });
    expect(act).toThrow(ConfigDefinitionError);
    expect(act).toThrow(expect.objectContaining({ field: 'cpu' }));
  });

  it('refuses a tool without a Lambda handler, telling how to name one', () => {
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [alpha] })).toThrow(expect.objectContaining({ field: 'toolEntries', message: expect.stringContaining('toolEntries: { lookup:') }));
  });

  it('refuses a config the agent image would not hold, so the state machines and the container cannot come from different configs', () => {
    const toolEntries = { lookup: 'tools/get_document/handler.ts' };
    const outside = path.join(os.tmpdir(), 'elsewhere.config.ts');
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [alpha], toolEntries, configFile: outside })).toThrow(expect.objectContaining({ field: 'configFile', message: expect.stringContaining('outside projectRoot') }));
    // The repository's image holds stepwise.config.ts and agents/ only.
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [alpha], toolEntries, configFile: 'test/fixtures/support.config.ts' }))
      .toThrow(expect.objectContaining({ field: 'configFile', message: expect.stringContaining('does not copy into the agent image') }));
    // A project of its own whose .dockerignore is an allow-list that leaves the config out.
    const project = mkdtempSync(path.join(os.tmpdir(), 'stepwise-image-'));
    writeFileSync(path.join(project, 'Dockerfile'), 'FROM node:22-slim\n');
    writeFileSync(path.join(project, '.dockerignore'), '*\n!package.json\n!stepwise.config.ts\n');
    writeFileSync(path.join(project, 'other.config.ts'), 'export default {};\n');
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [alpha], toolEntries, projectRoot: project, dockerfile: 'Dockerfile', configFile: 'other.config.ts' }))
      .toThrow(expect.objectContaining({ field: 'configFile', message: expect.stringContaining('leaves out of the agent image') }));
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [alpha], toolEntries, dockerfile: 'nope/Dockerfile' })).toThrow(expect.objectContaining({ field: 'dockerfile' }));
  });

  it('refuses a heartbeat too short for the container to beat three times per interval', () => {
    expect(() => new AgentPlatform(newStack(), 'Platform', { agents: [beta], heartbeatSeconds: 2 })).toThrow(expect.objectContaining({ field: 'heartbeatSeconds' }));
  });

  it('runs in an existing VPC without creating one, and refuses one without subnets to run in', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    expect(() => new AgentPlatform(stack, 'Platform', { agents: [beta], vpc })).toThrow(expect.objectContaining({ field: 'taskSubnets' }));
    const withPrivate = newStack();
    const existing = new ec2.Vpc(withPrivate, 'Existing', { maxAzs: 2, natGateways: 1 });
    const platform = new AgentPlatform(withPrivate, 'Platform', { agents: [beta], vpc: existing });
    expect(platform.vpc).toBe(existing);
    Template.fromStack(withPrivate).resourceCountIs('AWS::EC2::VPC', 1);
  });
});

describe('the outbox', () => {
  it('is written by no tool unless outboxTools names it: publish_report gets neither STEPWISE_OUTBOX_DIR nor s3:PutObject by default', () => {
    const publish = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Stepwise tool "publish_report"') } });
    const [fn] = Object.values(publish) as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }[];
    expect(fn.Properties.Environment?.Variables?.STEPWISE_OUTBOX_DIR).toBeUndefined();
    const role = stack.resolve((stack.platform.toolFunctions.publish_report.role as { roleName: string }).roleName);
    const puts = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) => {
      const { Roles = [], PolicyDocument } = (policy as { Properties: { Roles?: unknown[]; PolicyDocument: { Statement: Statement[] } } }).Properties;
      return JSON.stringify(Roles).includes(JSON.stringify(role)) && JSON.stringify(PolicyDocument).includes('s3:PutObject');
    });
    expect(puts).toEqual([]);
  });
});
