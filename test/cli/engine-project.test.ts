import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadConfig } from '../../framework';
import { startProjectEngine, stateMachineArn, type LocalEngine } from '../../local';
import { repositoryRoot, runCli } from '../helpers/cli';

/** A project of its own: a config whose agent answers with `answer`, and the package it imports. */
function project(parent: string, name: string, answer: string): { dir: string; config: string } {
  const dir = path.join(parent, name);
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  symlinkSync(repositoryRoot, path.join(dir, 'node_modules', 'stepwise-agents'));
  const config = path.join(dir, 'stepwise.config.ts');
  writeConfig(config, answer);
  return { dir, config };
}

function writeConfig(file: string, answer: string): void {
  writeFileSync(file, `import { defineAgent, defineConfig, offlinePlanner } from 'stepwise-agents';
export default defineConfig({ agents: [defineAgent({ name: 'helper', description: 'Answers', tools: [], model: offlinePlanner(() => ({ thought: 'done', answer: ${JSON.stringify(answer)} })) })] });
`);
}

describe('stepwise run and a running engine of another project', () => {
  let parent: string;
  let engine: LocalEngine;
  let first: { dir: string; config: string };

  beforeAll(async () => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'stepwise-projects-'));
    first = project(parent, 'first', 'from the first project');
    const { config, path: configPath } = await loadConfig(first.config);
    engine = await startProjectEngine({ config, configPath, root: path.join(first.dir, '.stepwise'), workspace: { STEPWISE_OUTBOX_DIR: path.join(first.dir, '.stepwise', 'outbox') } });
  });
  afterAll(async () => {
    await engine.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  const executionsOfFirstEngine = async (): Promise<number> => {
    const sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    return (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn('helper') }))).executions?.length ?? 0;
  };

  it('uses the running engine when it runs this very config', async () => {
    const before = await executionsOfFirstEngine();
    const result = await runCli(['run', 'helper', 'hi'], { cwd: first.dir, env: { STEPWISE_ENDPOINT: engine.endpoint } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`(using the running engine at ${engine.endpoint})`);
    expect(result.stdout).toContain('from the first project');
    expect(await executionsOfFirstEngine()).toBe(before + 1);
  });

  it('starts its own engine, and says why, when the running one serves an agent of the same name for another project', async () => {
    const second = project(parent, 'second', 'from the second project');
    const before = await executionsOfFirstEngine();
    const result = await runCli(['run', 'helper', 'hi'], { cwd: second.dir, env: { STEPWISE_ENDPOINT: engine.endpoint } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`(not using the engine at ${engine.endpoint}: it runs ${first.config})`);
    expect(result.stdout).toContain('from the second project');
    expect(await executionsOfFirstEngine()).toBe(before);
  });

  it('refuses, saying to restart it, when this project\'s engine runs an older version of the config', async () => {
    // The same project folder as the engine's, with the config edited after the engine started.
    const again = { dir: first.dir, config: first.config };
    writeConfig(again.config, 'edited');
    try {
      const result = await runCli(['run', 'helper', 'hi'], { cwd: again.dir, env: { STEPWISE_ENDPOINT: engine.endpoint } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${first.config} changed since it loaded it`);
      expect(result.stderr).toContain('Restart it ("stepwise dev")');
    } finally {
      writeConfig(first.config, 'from the first project');
    }
  });
});
