import type { Template } from 'aws-cdk-lib/assertions';
import { defineAgent } from '../../framework';
import { readContainerConfig } from '../../agent-task';
import { TASK_DEFINITION_ENV } from '../../infra';
import type { StepwiseStack } from '../../infra/stepwise-stack';
import { ContainerEnv } from '../../state-machines';
import { searchDocuments } from '../../tools';
import { nagFindings, synthesizeStack, withDeployTimeValues } from './synthesized';

const CLAUDE_PROFILE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6';

const claude = defineAgent({ name: 'claude', description: 'On a Claude inference profile', tools: [searchDocuments], model: `bedrock:${CLAUDE_PROFILE}` });
const nova = defineAgent({ name: 'nova', description: 'On Amazon Nova Pro', tools: [searchDocuments], model: 'bedrock:amazon.nova-pro-v1:0' });
const gpt = defineAgent({ name: 'gpt', description: 'On the platform default, an OpenAI model', tools: [searchDocuments] });
const tagged = defineAgent({ name: 'tagged', description: 'On an application inference profile', tools: [searchDocuments], model: `bedrock:${APP_PROFILE}` });

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>>; Effect: string };

function roleStatements(template: Template, stack: StepwiseStack, agent: string): Statement[] {
  const roleName = stack.resolve((stack.platform.taskDefinitions[agent].taskRole as unknown as { roleName: string }).roleName);
  return Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleName] } })).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

/** The Bedrock statements of an agent's task role, with their ARNs as they are at deploy time (us-east-1, account 123456789012). */
function bedrockAccess(template: Template, stack: StepwiseStack, agent: string) {
  return roleStatements(template, stack, agent)
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('bedrock:')))
    .map((statement) => ({
      actions: [statement.Action].flat().sort(),
      resources: [statement.Resource].flat().map(withDeployTimeValues),
      onlyThroughProfile: statement.Condition !== undefined,
    }));
}

function containerOf(template: Template, agent: string): { Environment: { Name: string; Value: unknown }[]; Secrets?: { Name: string }[] } {
  const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')).filter((resource) =>
    JSON.stringify((resource as { Properties: { Family?: unknown } }).Properties.Family).includes(`Agent${agent}`),
  ) as { Properties: { ContainerDefinitions: never[] } }[];
  return taskDefinition.Properties.ContainerDefinitions[0];
}

const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

describe('deployment follows the model', () => {
  let stack: StepwiseStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthesizeStack({ agents: [claude, nova, gpt], modelId: 'openai:gpt-4.1-mini' }, 'Models'));
  });

  it('lets an agent on an inference profile invoke that profile, and its model only through it', () => {
    const access = bedrockAccess(template, stack, 'claude');

    expect(access).toEqual([
      { actions: INVOKE, resources: [`arn:aws:bedrock:us-east-1:123456789012:inference-profile/${CLAUDE_PROFILE}`], onlyThroughProfile: false },
      { actions: INVOKE, resources: ['arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0'], onlyThroughProfile: true },
    ]);
    const [, throughProfile] = roleStatements(template, stack, 'claude').filter((statement) => [statement.Action].flat().includes('bedrock:InvokeModel'));
    expect(withDeployTimeValues(throughProfile.Condition!.StringEquals['bedrock:InferenceProfileArn'])).toBe(`arn:aws:bedrock:us-east-1:123456789012:inference-profile/${CLAUDE_PROFILE}`);
  });

  it('lets an agent on a foundation model invoke exactly that model in the stack region', () => {
    expect(bedrockAccess(template, stack, 'nova')).toEqual([{ actions: INVOKE, resources: ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0'], onlyThroughProfile: false }]);
  });

  it('gives an agent on openai: the API-key secret and no Bedrock access; Bedrock agents no secret', () => {
    expect(bedrockAccess(template, stack, 'gpt')).toEqual([]);
    expect(containerOf(template, 'gpt').Secrets?.map((secret) => secret.Name)).toEqual(['OPENAI_API_KEY']);
    expect(containerOf(template, 'claude').Secrets).toBeUndefined();
    expect(containerOf(template, 'nova').Secrets).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('tells each container its task size for the execution cost, which the container reads', () => {
    const container = containerOf(template, 'nova');
    expect(container.Environment.map((variable) => variable.Name).sort()).toEqual([...TASK_DEFINITION_ENV].sort());
    const environment = Object.fromEntries(container.Environment.map((variable) => [variable.Name, withDeployTimeValues(variable.Value)]));
    expect(environment).toMatchObject({ [ContainerEnv.TaskCpu]: '1024', [ContainerEnv.TaskMemoryMiB]: '2048', [ContainerEnv.TaskArchitecture]: 'x86_64' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '2048', RuntimePlatform: { CpuArchitecture: 'X86_64' } });

    const config = readContainerConfig({ ...environment, STEPWISE_TASK_TOKEN: 't', STEPWISE_EXECUTION_ARN: 'arn:aws:states:us-east-1:1:execution:m:e', STEPWISE_AGENT: 'nova', STEPWISE_TURN: '1' });
    expect(config.taskSize).toEqual({ vcpu: 1, memoryGb: 2, architecture: 'x86_64' });
    expect(config.model).toBe('openai:gpt-4.1-mini');
  });

  it('passes cdk-nag with the wildcard region of the profile acknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('a platform whose agents are all on Bedrock', () => {
  let stack: StepwiseStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthesizeStack({ agents: [nova, tagged], modelId: `bedrock:${CLAUDE_PROFILE}` }, 'AllBedrock'));
  });

  it('creates no API-key secret at all', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(stack.platform.apiKeySecret).toBeUndefined();
  });

  it('lets an agent on an application inference profile invoke it, and the models behind it only through it', () => {
    const access = bedrockAccess(template, stack, 'tagged');

    expect(access.map(({ resources }) => resources)).toEqual([[APP_PROFILE], ['arn:aws:bedrock:*::foundation-model/*']]);
    const [, throughProfile] = roleStatements(template, stack, 'tagged').filter((statement) => [statement.Action].flat().includes('bedrock:InvokeModel'));
    expect(throughProfile.Condition).toEqual({ StringEquals: { 'bedrock:InferenceProfileArn': APP_PROFILE } });
    expect(nagFindings(stack)).toEqual([]);
  });
});
