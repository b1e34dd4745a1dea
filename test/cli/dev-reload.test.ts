import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stateMachineArn } from '../../local';
import { runCli } from '../helpers/cli';
import { startDev, tempProject, type DevProcess } from '../helpers/dev-process';

/**
 * The project's tool: greets in `greeting`; each call needs approval, so an execution can wait
 * across an edit. `ANSWER_PREFIX` is read by the agent's plan, which runs in the container, while
 * the tool runs as a Lambda function in the engine: an edit of this file changes both.
 */
function writeTool(dir: string, greeting: string, prefix = 'said: '): void {
  writeFileSync(
    path.join(dir, 'tools', 'greet.ts'),
    `import { z } from 'zod';
import { defineTool } from 'stepwise-agents';
export const ANSWER_PREFIX = ${JSON.stringify(prefix)};
export const greet = defineTool({
  name: 'greet',
  description: 'Greets someone',
  parameters: z.object({ name: z.string() }),
  needsApproval: true,
  execute: ({ name }) => ({ text: ${JSON.stringify(greeting)} + ', ' + name }),
});
`,
  );
}

/** The config: one agent that greets Ada with the tool and answers with what it said; `extra` adds agents. */
function writeConfig(dir: string, extra = ''): void {
  writeFileSync(
    path.join(dir, 'stepwise.config.ts'),
    `import { defineAgent, defineConfig, offlinePlanner, type OfflinePlan } from 'stepwise-agents';
import { ANSWER_PREFIX, greet } from './tools/greet';

const plan: OfflinePlan = ({ observations }) => {
  const greeted = observations.find((observation) => observation.tool === 'greet' && observation.ok);
  if (!greeted) return { thought: 'Greet Ada.', calls: [{ tool: 'greet', args: { name: 'Ada' } }] };
  return { thought: 'Done.', answer: ANSWER_PREFIX + (greeted.result as { text: string }).text };
};

export default defineConfig({
  agents: [defineAgent({ name: 'greeter', description: 'Greets Ada', tools: [greet], model: offlinePlanner(plan) })${extra}],
});
`,
  );
}

describe('stepwise dev reloads the config and the files it imports', () => {
  let project: { dir: string; cleanup: () => void };
  let dev: DevProcess;
  let sfn: SFNClient;

  beforeAll(async () => {
    project = tempProject('stepwise-dev-reload-');
    mkdirSync(path.join(project.dir, 'tools'));
    writeTool(project.dir, 'Hello');
    writeConfig(project.dir);
    dev = await startDev([], { cwd: project.dir });
    sfn = new SFNClient({ endpoint: dev.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    await dev?.stop();
    project?.cleanup();
  });

  const start = async (agent = 'greeter'): Promise<string> =>
    (await sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(agent), input: JSON.stringify({ task: 'Greet Ada' }) }))).executionArn!;

  /** The approval the execution waits for, once the agent asked. */
  const approvalOf = async (executionArn: string): Promise<string> => {
    for (;;) {
      const response = await fetch(`${dev.endpoint}/approvals?executionArn=${encodeURIComponent(executionArn)}`);
      const { approvals } = (await response.json()) as { approvals: { approvalId: string }[] };
      if (approvals.length > 0) return approvals[0].approvalId;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const approve = async (executionArn: string): Promise<void> => {
    const result = await runCli(['approve', await approvalOf(executionArn)], { cwd: project.dir, env: { STEPWISE_ENDPOINT: dev.endpoint } });
    expect(result.stderr).toBe('');
  };

  const outcome = async (executionArn: string): Promise<{ status?: string; output?: string }> => {
    for (;;) {
      const { status, output } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') return { status, output };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('starts new executions on the edited tool, while one waiting for approval finishes on the code it started with', async () => {
    // Prepare: an execution waits for its approval when the tool is edited.
    const before = await start();
    await approvalOf(before);
    const mark = dev.output().length;

    // Act
    writeTool(project.dir, 'Goodbye', 'now says: ');
    const reloaded = await dev.waitForLine(/Reloaded/, mark);
    const after = await start();
    await approve(after);
    await approve(before);

    // Assess
    expect(reloaded).toContain('Reloaded stepwise.config.ts: tools/greet.ts changed');
    // The new execution's container ran the new plan, and its tool call the new tool; the waiting one, both old.
    expect(await outcome(after)).toMatchObject({ status: 'SUCCEEDED', output: expect.stringContaining('now says: Goodbye, Ada') });
    expect(await outcome(before)).toMatchObject({ status: 'SUCCEEDED', output: expect.stringContaining('said: Hello, Ada') });
  });

  it('keeps serving the previous build when an edit does not compile, names the file, and reloads once it is fixed', async () => {
    // Prepare
    const mark = dev.output().length;

    // Act: a syntax error, then the fix, then a new agent in the config itself.
    writeFileSync(path.join(project.dir, 'tools', 'greet.ts'), 'export const greet = ;\n');
    const failed = await dev.waitForLine(/Reload failed/, mark);
    const duringFailure = await start();
    await approve(duringFailure);
    const fixedMark = dev.output().length;
    writeTool(project.dir, 'Good evening');
    const fixed = await dev.waitForLine(/Reloaded/, fixedMark);
    const afterFix = await start();
    await approve(afterFix);
    const addedMark = dev.output().length;
    writeConfig(project.dir, `, defineAgent({ name: 'second', description: 'Greets Ada too', tools: [greet], model: offlinePlanner(plan) })`);
    const added = await dev.waitForLine(/Reloaded/, addedMark);
    const run = await runCli(['run', 'second', 'Greet Ada', '--approve', 'all'], { cwd: project.dir, env: { STEPWISE_ENDPOINT: dev.endpoint } });

    // Assess
    expect(failed).toMatch(/Reload failed, still serving the previous build: tools\/greet\.ts:1:\d+: /);
    expect(await outcome(duringFailure)).toMatchObject({ status: 'SUCCEEDED', output: expect.stringContaining('now says: Goodbye, Ada') });
    expect(fixed).toContain('tools/greet.ts changed');
    expect(await outcome(afterFix)).toMatchObject({ status: 'SUCCEEDED', output: expect.stringContaining('said: Good evening, Ada') });
    expect(added).toContain('agents added: second');
    // The engine reports the config it reloaded: `stepwise run` attaches to it.
    expect(run.stdout).toContain(`(using the running engine at ${dev.endpoint})`);
    expect(run.stdout).toContain('said: Good evening, Ada');
    expect(run.code).toBe(0);
  });
});
