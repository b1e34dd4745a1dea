import { InvokeCommand, ListFunctionsCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import type { LocalEngine } from '../../local';
import { lambdaClient, startTestEngine, temporaryRoot } from './harness';

describe('the Lambda Invoke API of the local engine', () => {
  let engine: LocalEngine;
  let cleanup: () => void;

  beforeAll(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root, {
      lambdaHandlers: {
        'stepwise-tool-add': async (event) => ({ sum: (event as { a: number; b: number }).a + (event as { a: number; b: number }).b }),
        'stepwise-tool-broken': async () => {
          throw Object.assign(new Error('the tool broke'), { name: 'ToolError' });
        },
      },
    });
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

  it('lists its functions with ListFunctions, as the AWS CLI asks for them', async () => {
    const listed = await lambdaClient(engine).send(new ListFunctionsCommand({}));

    expect(listed.Functions?.map((fn) => fn.FunctionName)).toEqual(expect.arrayContaining(['stepwise-tool-add', 'stepwise-tool-broken']));
    expect(listed.Functions?.find((fn) => fn.FunctionName === 'stepwise-tool-add')).toMatchObject({ FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stepwise-tool-add', Runtime: 'nodejs22.x' });
  });

  it('invokes a local function by name and returns its result', async () => {
    const result = await lambdaClient(engine).send(new InvokeCommand({ FunctionName: 'stepwise-tool-add', Payload: payload({ a: 2, b: 3 }) }));

    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBeUndefined();
    expect(decode(result.Payload)).toEqual({ sum: 5 });
  });

  it('invokes a local function by ARN', async () => {
    const result = await lambdaClient(engine).send(
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:stepwise-tool-add', Payload: payload({ a: 1, b: 1 }) }),
    );

    expect(decode(result.Payload)).toEqual({ sum: 2 });
  });

  it('reports a thrown error as an unhandled function error', async () => {
    const result = await lambdaClient(engine).send(new InvokeCommand({ FunctionName: 'stepwise-tool-broken', Payload: payload({}) }));

    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toMatchObject({ errorType: 'ToolError', errorMessage: 'the tool broke' });
  });

  it('refuses an unknown function with ResourceNotFoundException', async () => {
    const invoked = lambdaClient(engine).send(new InvokeCommand({ FunctionName: 'nope', Payload: payload({}) }));

    await expect(invoked).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
