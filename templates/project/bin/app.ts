import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from 'stepwise-agents';
import { StepwiseStack } from 'stepwise-agents/infra';

/**
 * The CDK app: `npm run synth` builds the CloudFormation template offline, `npm run deploy`
 * deploys it with your AWS credentials. The agent image is built from this folder with its
 * Dockerfile, so the container runs exactly this config and everything it imports.
 */
async function main(): Promise<void> {
  const app = new App();
  const projectRoot = path.resolve(__dirname, '..');
  const configFile = path.join(projectRoot, 'stepwise.config.ts');
  const { config } = await loadConfig(configFile);
  new StepwiseStack(app, String(app.node.tryGetContext('stackName') ?? 'Stepwise'), {
    platform: {
      agents: config.agents,
      modelId: String(app.node.tryGetContext('modelId') ?? config.model ?? 'offline'),
      projectRoot,
      dockerfile: 'Dockerfile',
      configFile,
    },
  });
  app.synth();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
