import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { StepwiseStack, type StepwiseStackProps } from '../../infra/stepwise-stack';

const ROOT = path.resolve(__dirname, '..', '..');

/** The feature flags `cdk.json` gives the real app, so the tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/**
 * The context of `cdk.json`, and with `bundle: false` no esbuild run for the Lambda functions (their
 * code assets are left empty): for tests that look at the template only, several times faster.
 */
export function testAppContext(options: { bundle: boolean }): Record<string, unknown> {
  return { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
}

/** A synthesized Stepwise stack, built like `infra/app.ts` builds it. */
export interface SynthesizedStack {
  readonly stack: StepwiseStack;
  readonly template: Template;
}

/** Builds and synthesizes a StepwiseStack (unless `bundle` is false, esbuild bundles each Lambda once per call: keep calls few). */
export function synthesizeStack(platform: StepwiseStackProps['platform'], stackName = 'Stepwise', options: { bundle: boolean } = { bundle: true }): SynthesizedStack {
  const app = new App({ context: testAppContext(options) });
  const stack = new StepwiseStack(app, stackName, { stackName, platform });
  return { stack, template: Template.fromStack(stack) };
}

/** The cdk-nag AwsSolutions findings that are not acknowledged (errors and warnings both stop `cdk synth`). */
export function nagFindings(scope: IConstruct): { rule: string; severity: string; paths: string[] }[] {
  return new AwsSolutionsChecks().validateScope(scope).violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity ?? 'error',
    paths: violation.violatingResources.map((resource) => resource.constructPath ?? '(unknown)'),
  }));
}

/** Every cdk-nag acknowledgment recorded in the tree below `scope` (CDK's own CloudFormation-Validate ones left out). */
export function nagAcknowledgments(scope: IConstruct): { id: string; reason: string; path: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ id: id.replace(/^[A-Za-z]+::(?=AwsSolutions-)/, ''), reason: typeof reason === 'string' ? reason : JSON.stringify(reason), path: construct.node.path })),
      )
      .filter((acknowledgment) => acknowledgment.id.startsWith('AwsSolutions-')),
  );
}

/**
 * A stand-in string for a CloudFormation token (Ref, Fn::GetAtt, …): the same token always gives
 * the same string, and the string needs no JSON escaping.
 */
export function placeholder(token: unknown): string {
  return `@@${Buffer.from(JSON.stringify(token)).toString('base64url')}@@`;
}

/**
 * Turns a template value that may hold tokens into plain data: `Fn::Join` of literal parts and
 * tokens becomes a string with each token replaced by its `placeholder`.
 */
export function withPlaceholders(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : placeholder(part))).join(join[0]);
  return placeholder(value);
}

/**
 * Like `withPlaceholders`, but each token becomes a value of the shape AWS would give it at deploy
 * time (a lower-case name for a Ref, an ARN for Fn::GetAtt …Arn, `us-east-1` for the region), so
 * the result can be fed to code that validates names.
 */
export function withDeployTimeValues(value: unknown): string {
  const deployTimeValue = (token: unknown): string => {
    const ref = (token as { Ref?: string }).Ref;
    if (ref === 'AWS::Region') return 'us-east-1';
    if (ref === 'AWS::AccountId') return '123456789012';
    if (ref === 'AWS::Partition') return 'aws';
    const id = createHash('sha1').update(JSON.stringify(token)).digest('hex').slice(0, 10);
    const getAtt = (token as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt?.[1] === 'Arn') return `arn:aws:lambda:us-east-1:123456789012:function:fn-${id}`;
    return `res-${id}`;
  };
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : deployTimeValue(part))).join(join[0]);
  return deployTimeValue(value);
}
