import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EVENT_PREFIX, EventStreamLimits, EventsFunctionEnv } from './constants';
import { platformFunction, platformFunctionEntry } from './lambda-defaults';
import { acknowledge, executionsFinding, prefixWildcardFinding } from './nag-suppressions';

/** What `ExecutionEventsEndpoint` takes. */
export interface ExecutionEventsEndpointProps {
  readonly eventsTable: dynamodb.ITable;
  /** The bucket where events too large for a DynamoDB item are kept (under `EVENT_PREFIX`). */
  readonly payloadBucket: s3.IBucket;
  /** The names of the agents' state machines: only their executions may be watched. */
  readonly stateMachineNames: readonly string[];
  /** Browser origins allowed to call the endpoint (CORS); none means CORS stays off. */
  readonly corsOrigins: readonly string[];
  readonly projectRoot: string;
  readonly logRetention: logs.RetentionDays;
}

/** Headers a browser sends with a SigV4-signed request for the event stream. */
const SIGNED_REQUEST_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'last-event-id'];

/**
 * The ARN of the executions of a state machine (`…:execution:<name>:*`), from its name.
 *
 * @example
 * executionsArn(this, 'Stepwise-research'); // arn:${Partition}:states:${Region}:${AccountId}:execution:Stepwise-research:*
 */
export function executionsArn(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Live progress from AWS: `GET <url>executions/{executionArn}/events`, the local engine's
 * Server-Sent Events protocol served by a Lambda function URL in RESPONSE_STREAM mode with IAM
 * (SigV4) authorization. The function may Query the events table for the stack's executions and
 * describe those executions, nothing else; CORS is off unless origins are configured.
 */
export class ExecutionEventsEndpoint extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly functionUrl: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ExecutionEventsEndpointProps) {
    super(scope, id);
    const executions = props.stateMachineNames.map((name) => executionsArn(this, name));
    this.function = platformFunction(this, 'Function', {
      description: 'Stepwise events endpoint: streams an execution\'s progress events as Server-Sent Events',
      entry: platformFunctionEntry('execution-events.ts'),
      projectRoot: props.projectRoot,
      memorySize: EventStreamLimits.memorySizeMiB,
      timeout: Duration.seconds(EventStreamLimits.functionTimeoutSeconds),
      environment: {
        [EventsFunctionEnv.EventsTable]: props.eventsTable.tableName,
        [EventsFunctionEnv.PayloadBucket]: props.payloadBucket.bucketName,
        [EventsFunctionEnv.StateMachineArns]: Stack.of(this).toJsonString(props.stateMachineNames.map((name) => Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }))),
      },
      logRetention: props.logRetention,
    });
    // Query only, and only the partitions of this stack's executions (the partition key is the execution ARN).
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [props.eventsTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': executions } },
      }),
    );
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: executions }));
    // Read only, and only the events that were too large for a DynamoDB item.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.payloadBucket.arnForObjects(`${EVENT_PREFIX}/*`)] }));
    acknowledge(
      this.function.role as iam.IRole,
      ...props.stateMachineNames.map(executionsFinding),
      prefixWildcardFinding(props.payloadBucket, `/${EVENT_PREFIX}/*`, 'Reads the progress events too large for a DynamoDB item; their keys hold the execution and a random id, not known in advance.'),
    );

    this.functionUrl = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
      ...(props.corsOrigins.length > 0
        ? { cors: { allowedOrigins: [...props.corsOrigins], allowedMethods: [lambda.HttpMethod.GET], allowedHeaders: SIGNED_REQUEST_HEADERS, maxAge: Duration.hours(1) } }
        : {}),
    });
  }

  /**
   * Lets `grantee` watch the stack's executions: `lambda:InvokeFunctionUrl` (IAM auth) and
   * `lambda:InvokeFunction` through the URL, on this function only.
   *
   * @example
   * platform.eventsEndpoint.grantWatch(dashboardRole);
   */
  grantWatch(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }
}
