import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The validation findings (cdk-nag's and CloudFormation's own) this platform acknowledges, each with the reason it is acceptable here. */
export const AcknowledgedFinding = {
  RetainReplacedRevisionsOnly: {
    id: 'CloudFormation-Validate::W3011',
    reason:
      'Task definitions keep the revisions a redeploy replaces (UpdateReplacePolicy Retain), because paused executions still name them, and are deregistered when the stack is deleted (DeletionPolicy Delete): no execution outlives its stack.',
  },
  XrayAndLogDelivery: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*), CloudWatch Logs vended delivery (logs:*LogDelivery, ' +
      'PutResourcePolicy, Describe*) and ecr:GetAuthorizationToken do not support resource-level permissions: AWS requires "*".',
  },
  LambdaRuntime: {
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 on purpose: it is the runtime of the agent container image (node:22) and the version the tools are tested on.',
  },
  PlainContainerEnvironment: {
    id: 'AwsSolutions-ECS2',
    reason: 'The plain variables are non-secret configuration (config path, table and bucket names, function ARNs, model id); the API key is injected from Secrets Manager.',
  },
  ThirdPartyKeyRotation: {
    id: 'AwsSolutions-SMG4',
    reason: 'The secret is a third-party model API key issued by its provider; it can only be rotated there, so there is no rotation Lambda to attach.',
  },
  ApiGatewayLoggingRole: {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: 'The account-level role API Gateway needs to write access and execution logs; AWS documents this managed policy for exactly that role.',
  },
  IamInsteadOfCognito: {
    id: 'AwsSolutions-COG4',
    reason: 'Every method uses IAM (SigV4) authorization: approvers are IAM principals, so no Cognito user pool is needed.',
  },
  NoWaf: {
    id: 'AwsSolutions-APIG3',
    reason: 'Every method requires IAM (SigV4) authorization, so anonymous traffic is refused before the integration; attach a WAF web ACL to the stage if your organization requires one.',
  },
} as const;

/**
 * Records an acknowledged cdk-nag finding on `scope` (and everything below it), with its reason.
 *
 * @example
 * acknowledge(fn, AcknowledgedFinding.LambdaRuntime);
 */
export function acknowledge(scope: IConstruct, ...findings: readonly { readonly id: string; readonly reason: string }[]): void {
  Validations.of(scope).acknowledge(...findings.map(({ id, reason }) => ({ id, reason })));
}

/**
 * The IAM5 finding of a grant on the keys under `suffix` of a resource, e.g. `<Bucket.Arn>/outbox/*`,
 * named the way cdk-nag names it (logical id of the resource's CloudFormation element).
 *
 * @example
 * prefixWildcardFinding(bucket, '/outbox/*', 'put-only access to the outbox prefix');
 */
export function prefixWildcardFinding(resource: IConstruct, suffix: string, reason: string): { id: string; reason: string } {
  const element = resource.node.defaultChild as CfnElement;
  return { id: `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(element)}.Arn>${suffix}]`, reason };
}

/**
 * The IAM5 finding of RunTask on every revision of a task definition family, with its reason: an
 * execution that paused before a redeploy runs the revision it started with.
 *
 * @example
 * acknowledge(stateMachine.role, taskDefinitionRevisionsFinding(taskDefinition.family));
 */
export function taskDefinitionRevisionsFinding(family: string): { id: string; reason: string } {
  return {
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${family}:*]`,
    reason:
      'RunTask on every revision of this agent\'s own task definition family: an execution that paused for approval before a redeploy resumes with the retained revision it started with, whose number is not known in advance.',
  };
}

/**
 * The IAM5 finding of access to every execution of one state machine, with its reason: the events
 * endpoint watches executions that do not exist yet when the stack is deployed.
 *
 * @example
 * acknowledge(fn.role, executionsFinding('Stepwise-research'));
 */
export function executionsFinding(stateMachineName: string): { id: string; reason: string } {
  return {
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName}:*]`,
    reason:
      'The events endpoint describes (and queries the events of) executions of this stack\'s own state machines; their names are chosen when they start, so the grant covers the executions of each state machine and nothing else.',
  };
}
