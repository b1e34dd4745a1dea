import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { iamDescription, lambdaDescription } from './descriptions';
import { AcknowledgedFinding, acknowledge } from './nag-suppressions';

/**
 * The source of one of the platform's own Lambda functions (approvals, events, stopped tasks),
 * next to this module: `infra/functions/<name>.ts` when run from the sources, the compiled
 * `dist/infra/functions/<name>.js` when run from the installed package. A user's project holds
 * none of these files, so they are never looked up under its root.
 *
 * @example
 * platformFunctionEntry('task-stopped.ts'); // '/app/node_modules/stepwise-agents/dist/infra/functions/task-stopped.js'
 */
export function platformFunctionEntry(file: string): string {
  const source = path.join(__dirname, 'functions', file);
  return existsSync(source) ? source : source.replace(/\.ts$/, '.js');
}

/** The folder of the stepwise-agents package this module belongs to (the repository, or `node_modules/stepwise-agents`). */
const PACKAGE_ROOT = ((): string => {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) return path.resolve(__dirname, '..');
  }
})();

const isInside = (file: string, folder: string): boolean => !path.relative(folder, file).startsWith('..');

/** What `platformFunction` takes. */
export interface PlatformFunctionProps {
  readonly description: string;
  /** The TypeScript file exporting `handler`. */
  readonly entry: string;
  /** The repository root: holds `package-lock.json` and `tsconfig.json`. */
  readonly projectRoot: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** Shell commands run after esbuild, given the bundle's output folder. @default none */
  readonly afterBundling?: (outputDir: string) => string[];
}

/**
 * A Lambda function as the platform deploys them all: Node.js 22 on ARM64, bundled by esbuild on
 * this machine (never Docker) keeping class names, X-Ray tracing, its own log group with
 * retention, and its own role that may write to that log group and nothing else until the caller
 * grants more. The description is made acceptable to Lambda and IAM, whatever text it holds.
 *
 * @example
 * const fn = platformFunction(this, 'Notifier', { description, entry, projectRoot, memorySize: 256, timeout: Duration.seconds(30), environment: {}, logRetention });
 */
export function platformFunction(scope: Construct, id: string, props: PlatformFunctionProps): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention });
  // Not the managed AWSLambdaBasicExecutionRole: that one may write to every log group of the account.
  // The description may come from a tool's own text: IAM refuses emoji and most non-Latin characters.
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: iamDescription(props.description) });
  logGroup.grantWrite(role);
  const bundlingRoot = isInside(props.entry, props.projectRoot) ? props.projectRoot : PACKAGE_ROOT;
  const fn = new nodejs.NodejsFunction(scope, id, {
    description: lambdaDescription(props.description),
    entry: props.entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    role,
    // esbuild runs from the project, which holds the user's tools and (under node_modules) the
    // platform's own functions; a linked package (npm link) lives outside it and bundles from itself.
    projectRoot: bundlingRoot,
    depsLockFilePath: existsSync(path.join(bundlingRoot, 'package-lock.json')) ? path.join(bundlingRoot, 'package-lock.json') : path.join(props.projectRoot, 'package-lock.json'),
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    bundling: {
      forceDockerBundling: false,
      minify: true,
      // Error names are class names (`this.name = new.target.name`): the Lambda runtime reports
      // them as the errorType Step Functions and the logs show, so minification must keep them.
      keepNames: true,
      sourceMap: true,
      target: 'node22',
      ...(existsSync(path.join(bundlingRoot, 'tsconfig.json')) ? { tsconfig: path.join(bundlingRoot, 'tsconfig.json') } : {}),
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir, outputDir) => props.afterBundling?.(outputDir) ?? [],
      },
    },
  });
  acknowledge(fn, AcknowledgedFinding.LambdaRuntime);
  acknowledge(role, AcknowledgedFinding.XrayAndLogDelivery);
  return fn;
}
