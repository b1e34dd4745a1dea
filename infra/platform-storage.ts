import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DynamoAttribute } from '../framework/internal';
import { APPROVALS_BY_EXECUTION_INDEX } from './constants';

/** What `PlatformStorage` takes. */
export interface PlatformStorageProps {
  /** Days after which payload objects expire. */
  readonly dataRetention: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The durable stores of the platform, with the key schemas `framework/stores` reads and writes:
 * run state (`pk`), events (`pk` + numeric `sk`), approvals (`pk`, GSI on `executionArn`), all
 * with the `ttl` attribute, and the payload bucket for large checkpoints and the outbox.
 */
export class PlatformStorage extends Construct {
  readonly runStateTable: dynamodb.Table;
  readonly eventsTable: dynamodb.Table;
  readonly approvalsTable: dynamodb.Table;
  readonly payloadBucket: s3.Bucket;
  /** Receives the payload bucket's server access logs. */
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PlatformStorageProps) {
    super(scope, id);
    const partitionKey = { name: DynamoAttribute.PartitionKey, type: dynamodb.AttributeType.STRING };
    const tableDefaults = {
      partitionKey,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Items without the attribute never expire; the stores set it where data expires.
      timeToLiveAttribute: DynamoAttribute.Ttl,
      removalPolicy: props.removalPolicy,
    };
    // One item per journal record (`sk` = its sequence; 0 holds the last snapshot): see DynamoDbCheckpointStore.
    this.runStateTable = new dynamodb.Table(this, 'RunStateTable', {
      ...tableDefaults,
      sortKey: { name: DynamoAttribute.SortKey, type: dynamodb.AttributeType.NUMBER },
    });
    this.eventsTable = new dynamodb.Table(this, 'EventsTable', {
      ...tableDefaults,
      sortKey: { name: DynamoAttribute.SortKey, type: dynamodb.AttributeType.NUMBER },
    });
    this.approvalsTable = new dynamodb.Table(this, 'ApprovalsTable', tableDefaults);
    this.approvalsTable.addGlobalSecondaryIndex({
      indexName: APPROVALS_BY_EXECUTION_INDEX,
      partitionKey: { name: DynamoAttribute.ExecutionArn, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const secureBucket = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    };
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      ...secureBucket,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.payloadBucket = new s3.Bucket(this, 'PayloadBucket', {
      ...secureBucket,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'payload-bucket/',
      lifecycleRules: [
        {
          id: 'expire-payloads',
          expiration: props.dataRetention,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
  }
}
