import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ConfigDefinitionError, type Agent } from '../framework';
import { acknowledge } from './nag-suppressions';

/** What an agent's container may call its model with. */
export const BEDROCK_INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] as const;

/** Geographic prefixes of system-defined cross-region inference profiles (`us.anthropic.…`). */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|jp|au|ca|global)\./;

const BEDROCK_PREFIX = 'bedrock:';

/**
 * The model an agent runs on when deployed: its own (`agent.model`, a spec or a `Model`'s id), or
 * the platform's default.
 *
 * @example
 * modelOfAgent(research, 'bedrock:amazon.nova-pro-v1:0'); // 'bedrock:amazon.nova-pro-v1:0' unless research names its own
 */
export function modelOfAgent(agent: Agent, platformModelId: string): string {
  if (agent.model === undefined) return platformModelId;
  return typeof agent.model === 'string' ? agent.model : agent.model.id;
}

/** Whether a model spec is an Amazon Bedrock model (IAM, no API key). */
export function isBedrockModel(spec: string): boolean {
  return spec.startsWith(BEDROCK_PREFIX) && spec.length > BEDROCK_PREFIX.length;
}

/**
 * Allows `role` to invoke exactly the Bedrock model `spec` names, and nothing else:
 *
 * - a foundation model id (`amazon.nova-pro-v1:0`): that model in the stack's region;
 * - a cross-region inference profile id (`us.anthropic.claude-…`): the profile in the stack's
 *   region and account, and the foundation model it routes to in any region — only through that
 *   profile (`bedrock:InferenceProfileArn`), since the profile picks the region;
 * - an ARN: that resource; for an inference profile ARN, its foundation models only through it.
 *
 * @example
 * grantBedrockModel(taskRole, 'bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0');
 */
export function grantBedrockModel(role: iam.IRole & Construct, spec: string): void {
  if (!isBedrockModel(spec)) throw new ConfigDefinitionError(`grantBedrockModel needs a bedrock:<model id> spec, got "${spec}"`, { field: 'model' });
  const stack = Stack.of(role);
  const id = spec.slice(BEDROCK_PREFIX.length);
  const foundationModel = (modelId: string, region?: string) =>
    stack.formatArn({ service: 'bedrock', account: '', region, resource: 'foundation-model', resourceName: modelId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const profileArn = id.startsWith('arn:') ? id : INFERENCE_PROFILE_PREFIX.test(id) ? stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }) : undefined;
  if (profileArn === undefined) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'InvokeAgentModel', actions: [...BEDROCK_INVOKE_ACTIONS], resources: [foundationModel(id)] }));
    return;
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'InvokeAgentModelProfile', actions: [...BEDROCK_INVOKE_ACTIONS], resources: [profileArn] }));
  if (id.startsWith('arn:') && !/:(inference-profile|application-inference-profile)\//.test(id)) return;
  // A system profile's id names its model; an application profile's models are known only to AWS.
  const systemProfile = /:inference-profile\/(.+)$/.exec(id)?.[1] ?? (id.startsWith('arn:') ? undefined : id);
  const routedModel = systemProfile ? foundationModel(systemProfile.replace(INFERENCE_PROFILE_PREFIX, ''), '*') : foundationModel('*', '*');
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'InvokeAgentModelThroughProfile',
      actions: [...BEDROCK_INVOKE_ACTIONS],
      resources: [routedModel],
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    }),
  );
  acknowledge(role, {
    id: `AwsSolutions-IAM5[Resource::${routedModel.replace(/\$\{Token\[AWS\.Partition\.\d+\]\}/, '<AWS::Partition>')}]`,
    reason:
      'An inference profile routes each request to a region of its choice, so its foundation model is allowed in every region — and only through that profile (condition bedrock:InferenceProfileArn).',
  });
}
