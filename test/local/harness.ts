import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { buildAgentDefinition } from '../../state-machines';
import { LocalDefaults, startEngine, type EngineOptions, type LocalEngine } from '../../local';

export const SCRIPTED_CONTAINER = path.resolve(__dirname, '..', 'helpers', 'scripted-container.js');
export const APPROVAL_FUNCTION = LocalDefaults.approvalNotifierFunctionName;
export const MACHINE = 'scripted';

/** The agent workflow with timings small enough for tests. */
export function scriptedDefinition(overrides: { approvalTimeoutSeconds?: number; heartbeatSeconds?: number; runTimeoutSeconds?: number; maxContainerAttempts?: number } = {}) {
  return buildAgentDefinition({
    agentName: MACHINE,
    approvalTimeoutSeconds: overrides.approvalTimeoutSeconds ?? 60,
    heartbeatSeconds: overrides.heartbeatSeconds ?? 3,
    runTimeoutSeconds: overrides.runTimeoutSeconds ?? 60,
    maxContainerAttempts: overrides.maxContainerAttempts,
    resources: { cluster: 'local', taskDefinition: 'agent', subnets: ['local'], securityGroups: [], approvalFunction: APPROVAL_FUNCTION, decisionFunction: LocalDefaults.decisionRecorderFunctionName },
  });
}

export const fakeCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export const sfnClient = (engine: LocalEngine) => new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: fakeCredentials });
export const lambdaClient = (engine: LocalEngine) => new LambdaClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: fakeCredentials });

/** A temporary root folder, removed by `cleanup`. */
export function temporaryRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'stepwise-engine-'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Starts an engine running the scripted container, with retries that do not wait. */
export function startTestEngine(root: string, options: Partial<EngineOptions> = {}): Promise<LocalEngine> {
  return startEngine({
    root,
    stateMachines: [{ name: MACHINE, definition: scriptedDefinition() }],
    container: { entry: SCRIPTED_CONTAINER, env: { SCRIPTED_MARKER_DIR: root } },
    retryIntervalOverrides: { RunAgent: 0 },
    ...options,
  });
}

export async function startScripted(sfn: SFNClient, scenario: string, extra: Record<string, unknown> = {}, name?: string): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${MACHINE}`,
      name,
      input: JSON.stringify({ task: `run ${scenario}`, scenario, ...extra }),
    }),
  );
  return executionArn!;
}

/** Polls DescribeExecution until `done` says so (bounded by jest's timeout). */
export async function waitFor(
  sfn: SFNClient,
  executionArn: string,
  done: (execution: DescribeExecutionCommandOutput) => boolean = (execution) => execution.status !== 'RUNNING',
): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (done(execution)) return execution;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until a condition holds (bounded by jest's timeout). */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
