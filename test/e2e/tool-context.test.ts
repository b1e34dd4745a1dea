import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalEngine } from '../../local';
import { repositoryRoot } from '../helpers/cli';
import { fakeCredentials, sfnClient, startAgent, startFixtureEngine, temporaryProject, waitForEnd } from './e2e-harness';

const CONTEXT_CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'context.config.ts');

describe("the config's tool context, end to end on the local engine", () => {
  let project: ReturnType<typeof temporaryProject>;
  let engine: LocalEngine;

  beforeAll(async () => {
    project = temporaryProject();
    engine = await startFixtureEngine(CONTEXT_CONFIG, project.root);
  });

  afterAll(async () => {
    await engine.stop();
    project.cleanup();
  });

  it('reaches the tools an execution calls, built from the environment the engine gives its containers', async () => {
    const sfn = sfnClient(engine);

    const done = await waitForEnd(sfn, await startAgent(sfn, 'greeter', { task: 'Ada' }));

    expect(done.status).toBe('SUCCEEDED');
    const { answer } = JSON.parse(done.output!) as { answer: string };
    expect(JSON.parse(answer.replace(/^greeted: /, ''))).toEqual({ text: 'Hello, Ada', builtWith: project.outbox });
  });

  it("reaches a tool invoked through the engine's Lambda API directly", async () => {
    const lambda = new LambdaClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: fakeCredentials, maxAttempts: 1 });

    const output = await lambda.send(new InvokeCommand({ FunctionName: 'greet', Payload: Buffer.from(JSON.stringify({ name: 'Grace' })) }));

    expect(JSON.parse(Buffer.from(output.Payload!).toString('utf8'))).toEqual({ ok: true, result: { text: 'Hello, Grace', builtWith: project.outbox } });
  });
});
