import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { platformFunction, platformFunctionEntry } from './lambda-defaults';

/** What `TaskStopReporter` takes. */
export interface TaskStopReporterProps {
  readonly cluster: ecs.ICluster;
  /** The task definition families of the agents: tasks of other families in the cluster are not theirs. */
  readonly taskDefinitionFamilies: readonly string[];
  /** ARNs of the state machines whose `RunAgent` tasks it may fail (built from names, so no dependency cycle). */
  readonly stateMachineArns: readonly string[];
  readonly projectRoot: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The ARN of one revision (or, with `*`, every revision) of a task definition family.
 *
 * @example
 * taskDefinitionRevisionArn(this, 'StepwisePlatformAgentresearchTaskDefinition', '*');
 * // arn:${Partition}:ecs:${Region}:${AccountId}:task-definition/StepwisePlatformAgentresearchTaskDefinition:*
 */
export function taskDefinitionRevisionArn(scope: Construct, family: string, revision: string): string {
  return Stack.of(scope).formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${family}:${revision}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/**
 * Fails the `RunAgent` task of an agent task that stopped before its container answered (the
 * image could not be pulled, a secret could not be read, the network interface could not be
 * attached, the container crashed): an EventBridge rule on "ECS Task State Change" events of the
 * agents' STOPPED tasks invokes a function that sends `SendTaskFailure` with ECS's stopped reason.
 * Without it such a turn surfaces only as a heartbeat timeout, three times over.
 */
export class TaskStopReporter extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: TaskStopReporterProps) {
    super(scope, id);
    this.function = platformFunction(this, 'Function', {
      description: 'Stepwise: fails the RunAgent task of an agent task that ECS stopped before it answered, with the stopped reason',
      entry: platformFunctionEntry('task-stopped.ts'),
      projectRoot: props.projectRoot,
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: {},
      logRetention: props.logRetention,
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:SendTaskFailure'], resources: [...props.stateMachineArns] }));

    this.rule = new events.Rule(this, 'TaskStopped', {
      description: 'Stepwise: agent tasks that stopped, so a task that stopped before it answered fails its RunAgent task at once',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [props.cluster.clusterArn],
          lastStatus: ['STOPPED'],
          taskDefinitionArn: events.Match.anyOf(...props.taskDefinitionFamilies.map((family) => events.Match.prefix(taskDefinitionRevisionArn(this, family, '')))),
        },
      },
    });
    // Retried deliveries are harmless: a token that is already closed is left alone. If every
    // delivery fails, the heartbeat timeout still catches the turn, only later.
    this.rule.addTarget(new targets.LambdaFunction(this.function, { retryAttempts: 4, maxEventAge: Duration.hours(1) }));
  }
}
