import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APPROVAL_REASON_LIMIT, APPROVALS_BY_EXECUTION_INDEX, ApprovalFunctionEnv, PAYLOAD_PREFIX, PayloadArea, PlatformDefaults } from './constants';
import { platformFunction, platformFunctionEntry } from './lambda-defaults';
import { AcknowledgedFinding, acknowledge, prefixWildcardFinding } from './nag-suppressions';

/** What `ApprovalService` takes. */
export interface ApprovalServiceProps {
  readonly approvalsTable: dynamodb.ITable;
  /** Where decisions are recorded, and long arguments, edits and reasons live (under `PAYLOAD_PREFIX`). */
  readonly payloadBucket: s3.IBucket;
  /** ARNs of the state machines whose approvals the API may answer (built from names, so no dependency cycle). */
  readonly stateMachineArns: readonly string[];
  /** Agent name → the approval timeout of its state machine, in seconds. */
  readonly approvalTimeouts: Readonly<Record<string, number>>;
  readonly projectRoot: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Human approval over AWS: the notifier Lambda the `RequestApproval` state invokes (stores
 * approval id → task token, announces the request on an SNS topic) and an HTTP API with IAM
 * authorization that turns a decision into SendTaskSuccess/SendTaskFailure; and the decision
 * recorder the `RecordDecision` state invokes for every approval, whoever answered it.
 */
export class ApprovalService extends Construct {
  readonly topic: sns.Topic;
  readonly notifier: nodejs.NodejsFunction;
  /** Stores each approval's decision (payload key `decisions/<approvalId>`) for the container. */
  readonly decisionRecorder: nodejs.NodejsFunction;
  readonly apiFunction: nodejs.NodejsFunction;
  readonly api: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: ApprovalServiceProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'ApprovalTopic', {
      displayName: 'Stepwise approval requests',
      // The AWS managed key: subscribers in the account can read it, no key policy to maintain.
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    const payloads = (area: string) => props.payloadBucket.arnForObjects(`${PAYLOAD_PREFIX}/${area}/*`);
    const apiFunction = this.approvalFunction('ApprovalApiFunction', 'approval-api.ts', 'Stepwise approval API: approve or reject a pending tool call', props, {
      [ApprovalFunctionEnv.ApprovalsTable]: props.approvalsTable.tableName,
      [ApprovalFunctionEnv.ApprovalsIndex]: APPROVALS_BY_EXECUTION_INDEX,
      [ApprovalFunctionEnv.PayloadBucket]: props.payloadBucket.bucketName,
    });
    // Long arguments are read to show an approval whole; long edits and reasons are uploaded.
    apiFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [payloads(PayloadArea.Approvals)] }));
    apiFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [payloads(PayloadArea.Uploads)] }));
    // Read and delete approvals (the token is read to answer, the item deleted once answered); no write.
    apiFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DeleteItem'],
        resources: [props.approvalsTable.tableArn, `${props.approvalsTable.tableArn}/index/${APPROVALS_BY_EXECUTION_INDEX}`],
      }),
    );
    apiFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [...props.stateMachineArns] }));
    this.apiFunction = apiFunction;

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: props.logRetention });
    this.api = new apigateway.RestApi(this, 'ApprovalApi', {
      restApiName: `${Stack.of(this).stackName}-approvals`,
      description: 'Stepwise approvals: list, approve, reject (IAM authorization)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access and execution logging need the account's API Gateway CloudWatch role; create it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request bodies stay out of the logs: they hold the arguments and reasons of decisions.
        dataTraceEnabled: false,
        tracingEnabled: true,
        metricsEnabled: true,
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    this.defineRoutes(new apigateway.LambdaIntegration(apiFunction));
    acknowledge(this.api, AcknowledgedFinding.IamInsteadOfCognito, AcknowledgedFinding.NoWaf, AcknowledgedFinding.ApiGatewayLoggingRole);

    this.notifier = this.approvalFunction('ApprovalNotifier', 'approval-notifier.ts', 'Stepwise approval notifier: stores the task token and announces the request', props, {
      [ApprovalFunctionEnv.ApprovalsTable]: props.approvalsTable.tableName,
      [ApprovalFunctionEnv.TopicArn]: this.topic.topicArn,
      [ApprovalFunctionEnv.ApiUrl]: this.api.url,
      [ApprovalFunctionEnv.ApprovalTimeouts]: JSON.stringify(props.approvalTimeouts),
    });
    this.notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [props.approvalsTable.tableArn] }));
    // Publish only; no KMS statement: the AWS managed SNS key lets the account's principals use it through SNS.
    this.notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));

    this.decisionRecorder = this.approvalFunction('DecisionRecorder', 'decision-recorder.ts', 'Stepwise decision recorder: stores the decision of each approval for the agent container', props, {
      [ApprovalFunctionEnv.PayloadBucket]: props.payloadBucket.bucketName,
    });
    // It writes decisions and nothing else; references in them are resolved by the container.
    this.decisionRecorder.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [payloads(PayloadArea.Decisions)] }));
    const reason = 'Payloads are objects keyed by approval id or a fresh upload id under a per-writer prefix: their keys are not known in advance.';
    const finding = (area: string) => prefixWildcardFinding(props.payloadBucket, `/${PAYLOAD_PREFIX}/${area}/*`, reason);
    acknowledge(apiFunction.role!, finding(PayloadArea.Approvals), finding(PayloadArea.Uploads));
    acknowledge(this.decisionRecorder.role!, finding(PayloadArea.Decisions));
  }

  private approvalFunction(id: string, file: string, description: string, props: ApprovalServiceProps, environment: Record<string, string>): nodejs.NodejsFunction {
    return platformFunction(this, id, {
      description,
      entry: platformFunctionEntry(file),
      projectRoot: props.projectRoot,
      memorySize: PlatformDefaults.approvalNotifierMemorySizeMiB,
      timeout: Duration.seconds(30),
      environment,
      logRetention: props.logRetention,
    });
  }

  private defineRoutes(integration: apigateway.Integration): void {
    const validator = new apigateway.RequestValidator(this, 'Validator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = (id: string, schema: apigateway.JsonSchema) =>
      this.api.addModel(id, { contentType: 'application/json', schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, type: apigateway.JsonSchemaType.OBJECT, ...schema } });
    const approveModel = model('ApproveBody', {
      title: 'ApproveBody',
      additionalProperties: false,
      properties: { args: { type: apigateway.JsonSchemaType.OBJECT }, reason: { type: apigateway.JsonSchemaType.STRING, maxLength: APPROVAL_REASON_LIMIT } },
    });
    const rejectModel = model('RejectBody', {
      title: 'RejectBody',
      additionalProperties: false,
      required: ['reason'],
      properties: { reason: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: APPROVAL_REASON_LIMIT } },
    });
    const withId = { 'method.request.path.approvalId': true };
    const approvals = this.api.root.addResource('approvals');
    approvals.addMethod('GET', integration, { requestValidator: validator, requestParameters: { 'method.request.querystring.executionArn': false } });
    const approval = approvals.addResource('{approvalId}');
    approval.addMethod('GET', integration, { requestValidator: validator, requestParameters: withId });
    approval.addResource('approve').addMethod('POST', integration, {
      requestValidator: validator,
      requestParameters: withId,
      requestModels: { 'application/json': approveModel },
    });
    approval.addResource('reject').addMethod('POST', integration, {
      requestValidator: validator,
      requestParameters: withId,
      requestModels: { 'application/json': rejectModel },
    });
  }
}
