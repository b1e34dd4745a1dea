import { InvokeCommand, LambdaClient, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { RunAbortedError, ToolExecutionError, ToolOutcomeUnknownError } from '../../framework/errors';
import { lambdaTool, lambdaToolFrom } from '../../framework/lambda-tool';
import { defineTool } from '../../framework/tool';
import { toolContext } from '../helpers/tool-context';

const lambda = mockClient(LambdaClient);

function payload(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value)) as never;
}

const context = toolContext;

function makeTool(timeoutMs?: number) {
  return lambdaTool({
    name: 'lookup',
    description: 'Looks a word up',
    parameters: z.object({ word: z.string() }),
    functionName: 'lookup-fn',
    qualifier: 'live',
    timeoutMs,
    client: new LambdaClient({ region: 'us-east-1' }),
  });
}

beforeEach(() => lambda.reset());

describe('lambdaTool', () => {
  it('invokes the function with the arguments and idempotency key and returns the envelope result', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true, result: { meaning: 'a greeting' } }) as never });

    const result = await makeTool().execute({ word: 'hello' }, context());

    expect(result).toEqual({ meaning: 'a greeting' });
    const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input).toMatchObject({ FunctionName: 'lookup-fn', Qualifier: 'live', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'))).toEqual({
      arguments: { word: 'hello' },
      callId: 'call-7',
      idempotencyKey: 'exec-9:call-7',
      executionId: 'exec-9',
    });
  });

  it('passes the approval decision along for tools that handle rejection', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true, result: 'noted' }) as never });

    await makeTool().execute({ word: 'x' }, context({ approval: { approved: false, outcome: 'rejected', reason: 'not now' } }));

    const sent = JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array).toString('utf8'));
    expect(sent.approval).toEqual({ approved: false, outcome: 'rejected', reason: 'not now' });
  });

  it('turns a Lambda FunctionError into a tool error carrying the error message', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'TypeError', errorMessage: 'Cannot read properties of undefined' }) as never,
    });

    const failure = makeTool().execute({ word: 'x' }, context());

    await expect(failure).rejects.toBeInstanceOf(ToolExecutionError);
    await expect(failure).rejects.toThrow(/TypeError.*Cannot read properties of undefined/);
  });

  it('turns an error envelope into a tool error with its message and retryability', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({ ok: false, error: { name: 'Stepwise.ToolError', message: 'No document "x"', retryable: true } }) as never,
    });

    const error = await Promise.resolve(makeTool().execute({ word: 'x' }, context())).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ToolExecutionError);
    expect(error).toMatchObject({ message: 'No document "x"', retryable: true });
  });

  it('reports throttling as a retryable error that says it was throttled', async () => {
    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    const error = await Promise.resolve(makeTool().execute({ word: 'x' }, context())).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ToolExecutionError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('throttled') });
  });

  it('says the function does not exist when Lambda cannot find it', async () => {
    lambda.on(InvokeCommand).rejects(new ResourceNotFoundException({ message: 'Function not found: lookup-fn', $metadata: {} }));

    const error = await Promise.resolve(makeTool().execute({ word: 'x' }, context())).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ToolExecutionError);
    expect((error as Error).message).toMatch(/does not exist.*deploy it/);
    expect(error).toMatchObject({ retryable: false });
  });

  it('reports an SDK abort as an unknown outcome: the request was cut, the function may have run', async () => {
    const abort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    lambda.on(InvokeCommand).rejects(abort);

    await expect(makeTool().execute({ word: 'x' }, context())).rejects.toBeInstanceOf(ToolOutcomeUnknownError);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8723'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a socket closed mid-answer', new Error('socket hang up')],
    ['a server fault of the Lambda service', Object.assign(new Error('We encountered an internal error'), { name: 'ServiceException', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
  ])('never reports %s as a failure of the tool: its outcome is unknown', async (_what, error) => {
    lambda.on(InvokeCommand).rejects(error);

    const caught = await Promise.resolve(makeTool().execute({ word: 'x' }, context())).catch((thrown: unknown) => thrown);

    expect(caught).toBeInstanceOf(ToolOutcomeUnknownError);
    expect(caught).not.toBeInstanceOf(ToolExecutionError);
    expect(caught).toMatchObject({ code: 'Stepwise.ToolOutcomeUnknown', toolName: 'lookup', message: expect.stringContaining('invoked again with the same idempotency key') });
  });

  it("reports an invocation that outlives the tool's timeoutMs as an unknown outcome (the function may still run)", async () => {
    const client = new LambdaClient({ region: 'us-east-1' });
    const tool = lambdaTool({ name: 'slow', description: 'Slow', parameters: z.object({}), functionName: 'slow-fn', timeoutMs: 30, client });
    // A function that never answers: only the abort signal ends the call.
    const send = jest.spyOn(client, 'send').mockImplementation(((_command: unknown, options: { abortSignal: AbortSignal }) =>
      new Promise((_, reject) =>
        options.abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      )) as never);

    const error = await Promise.resolve(tool.execute({}, context())).catch((caught: unknown) => caught);

    expect(send).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(ToolOutcomeUnknownError);
    expect((error as Error).message).toContain('did not answer within the tool\'s 30 ms');
  });

  it('stops the invocation when the run is aborted', async () => {
    const client = new LambdaClient({ region: 'us-east-1' });
    const tool = lambdaTool({ name: 'slow', description: 'Slow', parameters: z.object({}), functionName: 'slow-fn', client });
    jest.spyOn(client, 'send').mockImplementation(((_command: unknown, options: { abortSignal: AbortSignal }) =>
      new Promise((_, reject) =>
        options.abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      )) as never);
    const run = new AbortController();

    const pending = tool.execute({}, context({ signal: run.signal }));
    run.abort();

    await expect(pending).rejects.toBeInstanceOf(RunAbortedError);
  });
});

describe('lambdaToolFrom', () => {
  it('keeps the name, schema and approval rule of the local tool but runs it through Lambda', async () => {
    const local = defineTool({
      name: 'publish',
      description: 'Publishes',
      parameters: z.object({ title: z.string() }),
      needsApproval: true,
      execute: () => ({ where: 'local' }),
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true, result: { where: 'lambda' } }) as never });

    const twin = lambdaToolFrom(local, { functionName: 'publish-fn', client: new LambdaClient({ region: 'us-east-1' }) });
    const result = await twin.execute({ title: 't' }, context());

    expect({ name: twin.name, needsApproval: twin.needsApproval, jsonSchema: twin.jsonSchema }).toEqual({
      name: 'publish',
      needsApproval: true,
      jsonSchema: local.jsonSchema,
    });
    expect(result).toEqual({ where: 'lambda' });
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input.FunctionName).toBe('publish-fn');
  });
});
