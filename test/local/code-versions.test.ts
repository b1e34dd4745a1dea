import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import type { AslDefinition } from '../../state-machines';
import type { EngineCode, LocalEngine } from '../../local';
import { SCRIPTED_CONTAINER, sfnClient, temporaryRoot, waitFor } from './harness';
import { startEngine } from '../../local';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';

const MACHINE = 'versioned';

/** Calls `flaky`, then ends with the version of the definition it ran on. */
function definition(version: string): AslDefinition {
  return {
    StartAt: 'Call',
    States: {
      Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'flaky', 'Payload.$': '$' }, TimeoutSeconds: 30, ResultPath: null, Next: 'Done' },
      Done: { Type: 'Pass', Result: { version }, End: true },
    },
  } as unknown as AslDefinition;
}

describe('versions of the engine code: an execution keeps the definition it started on', () => {
  let failing = true;
  const flaky = async (): Promise<unknown> => {
    if (failing) throw new Error('not yet');
    return {};
  };
  const code = (version: string): EngineCode => ({ version, stateMachines: [{ name: MACHINE, definition: definition(`definition ${version}`) }], lambdaHandlers: { flaky } });
  const { root, cleanup } = temporaryRoot();
  let engine: LocalEngine | undefined;
  const inUse: Set<string>[] = [];
  const start = (current: string, known: readonly string[]) =>
    startEngine({
      root,
      ...code(current),
      codeVersion: current,
      loadCode: (version) => (known.includes(version) ? code(version) : undefined),
      onCodeInUse: (versions) => inUse.push(new Set(versions)),
      container: { entry: SCRIPTED_CONTAINER, env: {} },
    });
  afterAll(async () => {
    await engine?.stop();
    cleanup();
  });

  const run = async (current: LocalEngine): Promise<string> => {
    const { executionArn } = await sfnClient(current).send(new StartExecutionCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${MACHINE}`, input: '{}' }));
    return executionArn!;
  };
  const outputOf = async (current: LocalEngine, executionArn: string) => {
    const { status, output } = await waitFor(sfnClient(current), executionArn);
    return { status, output: output === undefined ? undefined : JSON.parse(output) };
  };

  it('redrives an execution on its own definition after a reload, and after a restart, while new ones start on the current one', async () => {
    // Prepare: an execution fails on version one, another on version two.
    engine = await start('one', []);
    const onOne = await run(engine);
    expect((await outputOf(engine, onOne)).status).toBe('FAILED');
    engine.reload(code('two'));
    const onTwo = await run(engine);
    expect((await outputOf(engine, onTwo)).status).toBe('FAILED');
    failing = false;

    // Act
    const fresh = await run(engine);
    await sfnClient(engine).send(new RedriveExecutionCommand({ executionArn: onOne }));
    const redrivenOne = await outputOf(engine, onOne);
    await engine.stop();
    engine = await start('three', ['two']);
    await sfnClient(engine).send(new RedriveExecutionCommand({ executionArn: onTwo }));
    const redrivenTwo = await outputOf(engine, onTwo);
    const afterRestart = await run(engine);

    // Assess
    expect(await outputOf(engine, fresh)).toEqual({ status: 'SUCCEEDED', output: { version: 'definition two' } });
    expect(redrivenOne).toEqual({ status: 'SUCCEEDED', output: { version: 'definition one' } });
    expect(redrivenTwo).toEqual({ status: 'SUCCEEDED', output: { version: 'definition two' } });
    expect(await outputOf(engine, afterRestart)).toEqual({ status: 'SUCCEEDED', output: { version: 'definition three' } });
    // Once nothing can run on a version any more, the engine says it is no longer in use.
    expect([...inUse.at(-1)!]).toEqual(['three']);
  });
});
