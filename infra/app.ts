import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../framework';
import { findProjectRoot } from './platform-props';
import { StepwiseStack } from './stepwise-stack';

/** The CDK app: `npx cdk synth` / `npx cdk deploy` from the repository root (see docs/DEPLOY.md). */
async function main(): Promise<void> {
  const app = new App();
  const projectRoot = findProjectRoot(__dirname) ?? process.cwd();
  const configFile = String(app.node.tryGetContext('config') ?? 'stepwise.config.ts');
  const { config } = await loadConfig(configFile, { cwd: projectRoot });
  const stackName = app.node.tryGetContext('stackName') ?? 'Stepwise';
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  new StepwiseStack(app, stackName, {
    stackName,
    description: 'Stepwise: long-running AI agents on Step Functions, ECS Fargate and Lambda',
    // Environment-agnostic unless the CLI knows the account and region: synthesis needs no credentials.
    ...(account && region ? { env: { account, region } } : {}),
    platform: {
      agents: config.agents,
      // `-c modelId=openai:gpt-4.1-mini` wins over the config's default model.
      modelId: String(app.node.tryGetContext('modelId') ?? config.model ?? 'offline'),
      projectRoot,
      // The bundled publish_report writes the demo's reports under outbox/ of the payload bucket.
      outboxTools: ['publish_report'],
      // The container loads the very config the state machines were built from (`-c config=…`).
      configFile: path.resolve(projectRoot, configFile),
      ...(app.node.tryGetContext('openAiBaseUrl') ? { openAiBaseUrl: String(app.node.tryGetContext('openAiBaseUrl')) } : {}),
    },
  });
  // cdk-nag 3 runs as a CDK policy-validation plugin: a finding that is not acknowledged stops the synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
