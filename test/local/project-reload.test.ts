import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { loadConfig } from '../../framework';
import { startProjectEngine, stateMachineArn, type LocalEngine } from '../../local';
import { runCli } from '../helpers/cli';
import { tempProject } from '../helpers/dev-process';

function writeTool(dir: string, greeting: string): void {
  writeFileSync(
    path.join(dir, 'greet.ts'),
    `import { z } from 'zod';
import { defineTool } from 'stepwise-agents';
export const greet = defineTool({ name: 'greet', description: 'Greets someone', parameters: z.object({ name: z.string() }), needsApproval: true, execute: ({ name }) => ({ text: ${JSON.stringify(greeting)} + ', ' + name }) });
`,
  );
}

const CONFIG = `import { defineAgent, defineConfig, offlinePlanner } from 'stepwise-agents';
import { greet } from './greet';
export default defineConfig({
  agents: [
    defineAgent({
      name: 'greeter',
      description: 'Greets Ada',
      tools: [greet],
      model: offlinePlanner(({ observations }) => {
        const greeted = observations.find((observation) => observation.tool === 'greet' && observation.ok);
        return greeted ? { thought: 'Done.', answer: 'said: ' + (greeted.result as { text: string }).text } : { thought: 'Greet.', calls: [{ tool: 'greet', args: { name: 'Ada' } }] };
      }),
    }),
  ],
});
`;

describe('an execution pinned to its build across an engine restart', () => {
  const project = tempProject('stepwise-project-reload-');
  const root = path.join(project.dir, '.stepwise');
  const configPath = path.join(project.dir, 'stepwise.config.ts');
  let engine: LocalEngine | undefined;
  const lines: string[] = [];
  afterAll(async () => {
    await engine?.stop();
    project.cleanup();
  });

  const startWatching = async (): Promise<LocalEngine> => {
    const { config } = await loadConfig(configPath);
    return startProjectEngine({ config, configPath, root, workspace: { STEPWISE_OUTBOX_DIR: path.join(root, 'outbox') }, watch: true, log: (line) => lines.push(line) });
  };
  const sfn = (current: LocalEngine) => new SFNClient({ endpoint: current.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const approvalOf = async (current: LocalEngine, executionArn: string): Promise<string> => {
    for (;;) {
      const { approvals } = (await (await fetch(`${current.endpoint}/approvals?executionArn=${encodeURIComponent(executionArn)}`)).json()) as { approvals: { approvalId: string }[] };
      if (approvals.length > 0) return approvals[0].approvalId;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const approve = async (current: LocalEngine, executionArn: string) => {
    const result = await runCli(['approve', await approvalOf(current, executionArn)], { cwd: project.dir, env: { STEPWISE_ENDPOINT: current.endpoint } });
    expect(result.code).toBe(0);
  };
  const outputOf = async (current: LocalEngine, executionArn: string): Promise<string | undefined> => {
    for (;;) {
      const { status, output } = await sfn(current).send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') return `${status}: ${output}`;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const start = async (current: LocalEngine) =>
    (await sfn(current).send(new StartExecutionCommand({ stateMachineArn: stateMachineArn('greeter'), input: JSON.stringify({ task: 'Greet Ada' }) }))).executionArn!;
  const builds = () => readdirSync(path.join(root, 'build'));

  it('resumes a waiting execution on the build it started on, then removes that build once it is done', async () => {
    // Prepare: an execution waits for approval on the first build; the tool is edited and reloaded.
    mkdirSync(root, { recursive: true });
    writeTool(project.dir, 'Hello');
    writeFileSync(configPath, CONFIG);
    engine = await startWatching();
    const first = engine.codeVersion;
    const waiting = await start(engine);
    await approvalOf(engine, waiting);
    writeTool(project.dir, 'Goodbye');
    for (let seen = lines.length; !lines.slice(seen).some((line) => line.startsWith('Reloaded')); ) await new Promise((resolve) => setTimeout(resolve, 50));
    const second = engine.codeVersion;

    // Act: the engine stops and a new one starts on the edited project.
    await engine.stop();
    engine = await startWatching();
    const buildsAfterRestart = builds();
    const fresh = await start(engine);
    await approve(engine, fresh);
    await approve(engine, waiting);
    const waitingOutput = await outputOf(engine, waiting);
    const freshOutput = await outputOf(engine, fresh);
    // The build goes once its last execution has ended.
    while (builds().includes(first)) await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(second).not.toBe(first);
    expect(engine.codeVersion).toBe(second);
    expect(buildsAfterRestart.sort()).toEqual([first, second].sort());
    expect(waitingOutput).toMatch(/^SUCCEEDED: .*said: Hello, Ada/);
    expect(freshOutput).toMatch(/^SUCCEEDED: .*said: Goodbye, Ada/);
    expect(builds()).toEqual([second]);
    expect(existsSync(path.join(root, 'build', first))).toBe(false);
  });
});

describe('a reload that fails', () => {
  const project = tempProject('stepwise-reload-fails-');
  const root = path.join(project.dir, '.stepwise');
  const configPath = path.join(project.dir, 'stepwise.config.ts');
  let engine: LocalEngine | undefined;
  const lines: string[] = [];
  afterAll(async () => {
    await engine?.stop();
    project.cleanup();
  });
  const nextLine = async (pattern: RegExp, since: number): Promise<string> => {
    for (;;) {
      const line = lines.slice(since).find((each) => pattern.test(each));
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it.each([
    ['an agent the config refuses', CONFIG.replace("name: 'greeter'", "name: 'greeter!'"), /stepwise\.config\.ts: Agent name "greeter!" is invalid/],
    ['a config that throws', `${CONFIG}\nthrow new Error('the config is not ready');\n`, /stepwise\.config\.ts: Error: the config is not ready/],
  ])('keeps serving the previous build and names the config: %s', async (_case, broken, message) => {
    // Prepare
    if (!engine) {
      writeTool(project.dir, 'Hello');
      writeFileSync(configPath, CONFIG);
      const { config } = await loadConfig(configPath);
      engine = await startProjectEngine({ config, configPath, root, workspace: { STEPWISE_OUTBOX_DIR: path.join(root, 'outbox') }, watch: true, log: (line) => lines.push(line) });
    }
    const served = engine.codeVersion;
    const health = async () => ((await (await fetch(`${engine!.endpoint}/health`)).json()) as { project: { configHash: string } }).project.configHash;
    const hashBefore = await health();
    const mark = lines.length;

    // Act
    writeFileSync(configPath, broken);
    const failed = await nextLine(/Reload failed/, mark);
    const hashDuring = await health();
    const fixedMark = lines.length;
    writeFileSync(configPath, CONFIG);
    const fixed = await nextLine(/compiles again|Reloaded/, fixedMark);

    // Assess
    expect(failed).toMatch(/^Reload failed, still serving the previous build: /);
    expect(failed).toMatch(message);
    expect(hashDuring).toBe(hashBefore);
    expect(fixed).toBe('stepwise.config.ts compiles again, unchanged from the build being served');
    expect(engine.codeVersion).toBe(served);
  });
});
