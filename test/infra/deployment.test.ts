import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as logs from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { defineAgent, defineTool } from '../../framework';
import { AgentPlatform, agentImageAssetProps, findProjectRoot } from '../../infra';
import { ToolFunctions } from '../../infra/tool-functions';
import { StateName } from '../../state-machines';
import { nagFindings, placeholder, testAppContext, withPlaceholders } from './synthesized';

const ROOT = findProjectRoot(__dirname)!;
const IAM_DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/u;

const lookup = defineTool({
  name: 'lookup',
  description: 'Looks a document up by id',
  parameters: z.object({ id: z.string() }),
  execute: ({ id }) => ({ id }),
});

/** The network configuration RunAgent gives its tasks, in the template's only state machine. */
function networkOf(template: Template): { AssignPublicIp: string; Subnets: string[] } {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as { Properties: { DefinitionString: unknown } }[];
  return JSON.parse(withPlaceholders(machine.Properties.DefinitionString)).States[StateName.RunAgent].Parameters.NetworkConfiguration.AwsvpcConfiguration;
}

describe('descriptions built from a tool description', () => {
  it('are accepted by IAM and Lambda whatever the tool description holds (emoji, <, CJK, typographic dashes, very long text)', () => {
    const description = `Finds 📄 documents — “fast” <b>now</b> → 検索 ${'and more '.repeat(400)}`;
    const fancy = defineTool({ name: 'fancy', description, parameters: z.object({ q: z.string() }), execute: () => ({}) });
    const stack = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Descriptions');

    new ToolFunctions(stack, 'Tools', {
      tools: new Map([['fancy', { tool: fancy, entry: path.join(ROOT, 'tools/get_document/handler.ts') }]]),
      projectRoot: ROOT,
      payloadBucket: new s3.Bucket(stack, 'Bucket'),
      outboxTools: new Set(),
      logRetention: logs.RetentionDays.ONE_DAY,
    });
    const template = Template.fromStack(stack);

    const [role] = Object.values(template.findResources('AWS::IAM::Role')) as { Properties: { Description: string } }[];
    expect(role.Properties.Description).toMatch(IAM_DESCRIPTION);
    expect(role.Properties.Description.length).toBeLessThanOrEqual(1000);
    expect(role.Properties.Description).toContain('Finds documents - "fast" <b>now</b> ->');
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { Description: string } }[];
    expect(fn.Properties.Description.length).toBeLessThanOrEqual(256);
    expect(fn.Properties.Description).toContain('Stepwise tool "fancy": Finds 📄 documents');
  });
});

describe('assignPublicIp, for VPCs without a NAT gateway', () => {
  const agent = defineAgent({ name: 'reader', description: 'Reads one document', tools: [lookup] });
  const toolEntries = { lookup: 'tools/get_document/handler.ts' };

  it('runs the containers with a public IP in public subnets, and creates no NAT gateway when it creates the VPC', () => {
    const stack = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'PublicIp');

    const platform = new AgentPlatform(stack, 'Platform', { agents: [agent], toolEntries, assignPublicIp: true });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(networkOf(template).AssignPublicIp).toBe('ENABLED');
    const publicSubnets = platform.vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC }).subnetIds;
    expect(networkOf(template).Subnets).toEqual(publicSubnets.map((id) => placeholder(stack.resolve(id))));
    expect(nagFindings(stack)).toEqual([]);
  });

  it('refuses assignPublicIp that is not a boolean, naming the prop', () => {
    const stack = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Invalid');

    expect(() => new AgentPlatform(stack, 'Platform', { agents: [agent], toolEntries, assignPublicIp: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ field: 'assignPublicIp' }));
  });
});

describe("containerV8, the agent container's V8 tuning", () => {
  const agent = defineAgent({ name: 'reader', description: 'Reads one document', tools: [lookup] });
  const toolEntries = { lookup: 'tools/get_document/handler.ts' };
  const containerEnvironment = (template: Template): Record<string, unknown> => {
    const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as { Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] } }[];
    return Object.fromEntries(definition.Properties.ContainerDefinitions[0].Environment.map((variable) => [variable.Name, variable.Value]));
  };

  it.each([
    ['unset', undefined, undefined],
    ['node', 'node', undefined],
    ['lean', 'lean', 'lean'],
  ] as const)('%s: leaves the container on its default (node) unless told lean', (_name, containerV8, variable) => {
    const stack = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Tuned');
    new AgentPlatform(stack, 'Platform', { agents: [agent], toolEntries, containerV8 });

    expect(containerEnvironment(Template.fromStack(stack)).STEPWISE_CONTAINER_V8).toBe(variable);
  });

  it('refuses a tuning there is not, naming the prop', () => {
    const stack = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Invalid');

    expect(() => new AgentPlatform(stack, 'Platform', { agents: [agent], toolEntries, containerV8: 'turbo' as 'node' })).toThrow(
      expect.objectContaining({ field: 'containerV8', message: 'AgentPlatform: containerV8 must be "node" or "lean", got "turbo"' }),
    );
  });
});

describe('a platform in an existing VPC with public subnets only, watched from a browser', () => {
  const agent = defineAgent({ name: 'reader', description: 'Reads one document', tools: [lookup] });
  const toolEntries = { lookup: 'tools/get_document/handler.ts' };
  let stack: Stack;
  let vpc: ec2.Vpc;
  let platform: AgentPlatform;
  let dashboard: iam.Role;
  let template: Template;

  beforeAll(() => {
    stack = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Watched');
    vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    platform = new AgentPlatform(stack, 'Platform', { agents: [agent], toolEntries, vpc, assignPublicIp: true, eventStreamCorsOrigins: ['https://app.example.com', 'http://localhost:3000'] });
    dashboard = new iam.Role(stack, 'Dashboard', { assumedBy: new iam.AccountRootPrincipal() });
    platform.eventsEndpoint.grantWatch(dashboard);
    template = Template.fromStack(stack);
  });

  it('runs the containers in the VPC\'s public subnets with a public IP', () => {
    expect(platform.vpc).toBe(vpc);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(networkOf(template)).toMatchObject({ AssignPublicIp: 'ENABLED', Subnets: vpc.publicSubnets.map((subnet) => placeholder(stack.resolve(subnet.subnetId))) });
  });

  it('answers browsers from the configured origins only, and lets a granted principal watch', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      Cors: { AllowOrigins: ['https://app.example.com', 'http://localhost:3000'], AllowMethods: ['GET'], AllowHeaders: Match.arrayWith(['authorization', 'last-event-id']) },
    });
    const functionArn = stack.resolve(platform.eventsEndpoint.function.functionArn);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(dashboard.roleName)],
      PolicyDocument: {
        Statement: [
          { Action: 'lambda:InvokeFunctionUrl', Effect: 'Allow', Resource: functionArn, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: functionArn, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } },
        ],
      },
    });
  });

  it.each([['*'], ['https://app.example.com/'], ['app.example.com'], ['http://app.example.com']])('refuses the CORS origin %s, naming the prop', (origin) => {
    const invalid = new Stack(new App({ context: testAppContext({ bundle: false }) }), 'Invalid');

    expect(() => new AgentPlatform(invalid, 'Platform', { agents: [agent], toolEntries, eventStreamCorsOrigins: [origin] })).toThrow(expect.objectContaining({ field: 'eventStreamCorsOrigins' }));
  });
});

describe('the agent image', () => {
  /** A copy of the repository's tracked files, so a test can edit it. */
  function repositoryCopy(): string {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'stepwise-image-'));
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(copy, file));
    }
    return copy;
  }

  function imageHash(directory: string): string {
    const stack = new Stack(new App({ context: { ...testAppContext({ bundle: false }), 'aws:cdk:disable-asset-staging': true } }), 'Image');
    return new DockerImageAsset(stack, 'Image', agentImageAssetProps(directory)).assetHash;
  }

  it('is rebuilt for a change to what the container runs, and not for docs, tests or the CDK app', () => {
    const copy = repositoryCopy();
    const original = imageHash(copy);

    appendFileSync(path.join(copy, 'README.md'), '\nA new paragraph.\n');
    appendFileSync(path.join(copy, 'docs', 'DEPLOY.md'), '\nA new paragraph.\n');
    writeFileSync(path.join(copy, 'test', 'new.test.ts'), 'it.todo("later");\n');
    appendFileSync(path.join(copy, 'infra', 'agent-platform.ts'), '\n// a comment\n');
    mkdirSync(path.join(copy, 'cdk.out'), { recursive: true });
    writeFileSync(path.join(copy, 'cdk.out', 'manifest.json'), '{}');
    mkdirSync(path.join(copy, '.stepwise'), { recursive: true });
    writeFileSync(path.join(copy, '.stepwise', 'state.json'), '{}');
    expect(imageHash(copy)).toBe(original);

    appendFileSync(path.join(copy, 'framework', 'agent.ts'), '\n// a comment\n');
    expect(imageHash(copy)).not.toBe(original);
  });
});
