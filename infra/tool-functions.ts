import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AnyTool } from '../framework/internal';
import { BundledToolsEnv } from '../tools/workspace';
import { PlatformDefaults, PlatformPaths } from './constants';
import { platformFunction } from './lambda-defaults';
import { acknowledge, prefixWildcardFinding } from './nag-suppressions';

/** What `ToolFunctions` takes. */
export interface ToolFunctionsProps {
  /** Every tool once, by name, with the file exporting its `handler`. */
  readonly tools: ReadonlyMap<string, { readonly tool: AnyTool; readonly entry: string }>;
  /** The project root: holds `package-lock.json`, and `tsconfig.json` and `tools/corpus` when the project has them. */
  readonly projectRoot: string;
  readonly payloadBucket: s3.IBucket;
  /** Tools that may write to the outbox prefix of `payloadBucket`. */
  readonly outboxTools: ReadonlySet<string>;
  readonly logRetention: logs.RetentionDays;
}

/**
 * One Lambda function per tool, its handler being `toolHandler(tool)`, with the bundled corpus
 * copied next to each bundle. A function may do only what its tool needs: the read-only tools
 * get no permission at all, the outbox tools may put objects under `outbox/` of the payload
 * bucket and nothing else.
 */
export class ToolFunctions extends Construct {
  /** Tool name → its function. */
  readonly functions: Readonly<Record<string, nodejs.NodejsFunction>>;

  constructor(scope: Construct, id: string, props: ToolFunctionsProps) {
    super(scope, id);
    // The bundled demo tools read the repository's corpus; a project without `tools/corpus` has none to ship.
    const corpus = path.join(props.projectRoot, PlatformPaths.corpusInRepository);
    const hasCorpus = existsSync(corpus);
    const outbox = `s3://${props.payloadBucket.bucketName}/${PlatformPaths.outboxPrefix}`;
    const functions: Record<string, nodejs.NodejsFunction> = {};
    for (const [name, { tool, entry }] of props.tools) {
      const writesOutbox = props.outboxTools.has(name);
      const fn = platformFunction(this, name, {
        description: `Stepwise tool "${name}": ${tool.description}`,
        entry,
        projectRoot: props.projectRoot,
        memorySize: PlatformDefaults.toolMemorySizeMiB,
        // The tool's own timeout fires first, so the model sees a ToolTimeoutError rather than a Lambda timeout.
        timeout: Duration.seconds(Math.min(900, Math.ceil(tool.timeoutMs / 1000) + PlatformDefaults.toolTimeoutMarginSeconds)),
        environment: {
          ...(hasCorpus ? { [BundledToolsEnv.corpusDir]: PlatformPaths.corpusInLambda } : {}),
          ...(writesOutbox ? { [BundledToolsEnv.outboxDir]: outbox } : {}),
        },
        logRetention: props.logRetention,
        afterBundling: (outputDir) => (hasCorpus ? [`cp -R "${corpus}" "${path.join(outputDir, 'corpus')}"`] : []),
      });
      if (writesOutbox) {
        // A retried call reaches the function again with the same idempotency key, and the outbox
        // tools dedupe on it (publish_report writes its object once, with S3 IfNoneMatch), so
        // PutObject under the prefix is all they need: no read, no delete, no overwrite.
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [props.payloadBucket.arnForObjects(`${PlatformPaths.outboxPrefix}/*`)] }));
        acknowledge(fn.role as iam.IRole, prefixWildcardFinding(props.payloadBucket, `/${PlatformPaths.outboxPrefix}/*`, 'Reports are new objects under the outbox prefix; the grant is PutObject on that prefix only.'));
      }
      functions[name] = fn;
    }
    this.functions = functions;
  }
}
