import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { repositoryRoot, runCli } from '../helpers/cli';
import { startDev, type DevProcess } from '../helpers/dev-process';

const config = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');

describe('stepwise dev --model', () => {
  let server: FakeOpenAIServer;
  let dev: DevProcess;
  let cwd: string;

  beforeAll(async () => {
    server = await startFakeOpenAI(() => ({ content: 'Nothing to refund.' }));
    cwd = mkdtempSync(path.join(os.tmpdir(), 'stepwise-dev-model-'));
    dev = await startDev(['--config', config, '--model', 'openai:gpt-4o-mini'], { cwd, env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'test' } });
  });
  afterAll(async () => {
    await dev?.stop();
    await server?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const run = (...extra: string[]) => runCli(['run', 'support-pinned', 'Refund order 1042', '--config', config, '--json', ...extra], { cwd, env: { STEPWISE_ENDPOINT: dev.endpoint } });

  it('wins over an agent that names its own model', async () => {
    const before = server.requests.length;

    const result = await run();

    expect(result.stderr).toContain(`(using the running engine at ${dev.endpoint})`);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'COMPLETED', answer: 'Nothing to refund.', model: 'openai:gpt-4o-mini' });
    expect(server.requests.slice(before).map((request) => request.model)).toEqual(['gpt-4o-mini']);
  });

  it('wins over the model of the execution input, and the run says so and names the model used', async () => {
    const before = server.requests.length;

    const result = await run('--model', 'openai:gpt-4.1');

    expect(result.stderr).toContain(`(--model openai:gpt-4.1 does not apply: the engine at ${dev.endpoint} runs every agent on openai:gpt-4o-mini, its "stepwise dev --model")`);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'COMPLETED', model: 'openai:gpt-4o-mini' });
    expect(server.requests.slice(before).map((request) => request.model)).toEqual(['gpt-4o-mini']);
  });
});
