import { z } from 'zod';
import { ToolExecutionError } from '../../framework/errors';
import { defineTool, type ToolContext } from '../../framework/tool';
import { toolHandler, type ToolInvocationEvent } from '../../framework/tool-handler';

/** What the handler's application gives its tools. */
interface Calculator {
  readonly precision: number;
}

const calculator: Calculator = { precision: 2 };

const divide = defineTool({
  name: 'divide',
  description: 'Divides a by b',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }, context: ToolContext<Calculator>) => {
    if (b === 0) throw new ToolExecutionError('divide', 'Cannot divide by zero: pass a non-zero b');
    return { quotient: Number((a / b).toFixed(context.context.precision)), key: context.idempotencyKey, approved: context.approval?.approved ?? null };
  },
});

function event(args: Record<string, unknown>, extra: Partial<ToolInvocationEvent> = {}): ToolInvocationEvent {
  return { arguments: args, callId: 'call-1', idempotencyKey: 'exec-1:call-1', executionId: 'exec-1', ...extra };
}

describe('toolHandler', () => {
  it('returns the tool result in an ok envelope with the call context passed through', async () => {
    const handler = toolHandler(divide, { context: calculator });

    const envelope = await handler(event({ a: 6, b: 3 }, { approval: { approved: true, outcome: 'approved' } }));

    expect(envelope).toEqual({ ok: true, result: { quotient: 2, key: 'exec-1:call-1', approved: true } });
  });

  it('returns invalid arguments as an error envelope naming each bad field', async () => {
    const handler = toolHandler(divide, { context: calculator });

    const envelope = await handler(event({ a: 'six' }));

    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.retryable).toBe(false);
    expect(envelope.error.issues?.map((issue) => issue.field).sort()).toEqual(['a', 'b']);
    expect(envelope.error.message).toContain('divide');
  });

  it("returns the tool's own error as an error envelope instead of failing the Lambda", async () => {
    const handler = toolHandler(divide, { context: calculator });

    const envelope = await handler(event({ a: 1, b: 0 }));

    expect(envelope).toEqual({
      ok: false,
      error: { name: 'Stepwise.ToolError', message: 'Cannot divide by zero: pass a non-zero b', retryable: false },
    });
  });

  it('rejects an event that is not a tool invocation, naming the missing fields', async () => {
    const handler = toolHandler(divide, { context: calculator });

    const envelope = await handler({ arguments: { a: 1, b: 2 } } as unknown as ToolInvocationEvent);

    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.name).toBe('Stepwise.InvalidInput');
    expect(envelope.error.issues?.map((issue) => issue.field).sort()).toEqual(['callId', 'executionId', 'idempotencyKey']);
  });

  it('takes the tool\'s arguments alone, as aws lambda invoke --payload sends them: a call of its own, with a fresh key', async () => {
    const handler = toolHandler(divide, { context: calculator });

    const first = await handler({ a: 6, b: 3 } as unknown as ToolInvocationEvent);
    const second = await handler({ a: 6, b: 3 } as unknown as ToolInvocationEvent);
    const invalid = await handler({ a: 'six', b: 3 } as unknown as ToolInvocationEvent);

    expect(first).toMatchObject({ ok: true, result: { quotient: 2, key: expect.stringMatching(/^direct-/), approved: null } });
    expect(second.ok && first.ok && (second.result as { key: string }).key !== (first.result as { key: string }).key).toBe(true);
    expect(invalid).toMatchObject({ ok: false, error: { issues: [expect.objectContaining({ field: 'a' })] } });
  });

  it('reports a tool that runs past its timeout as a retryable timeout', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 'Never finishes on its own',
      parameters: z.object({}),
      timeoutMs: 20,
      execute: (_args, context) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve('late'))),
    });

    const envelope = await toolHandler(slow)(event({}));

    expect(envelope).toEqual({ ok: false, error: expect.objectContaining({ retryable: true, message: expect.stringContaining('timed out') }) });
  });

  it('gives the tool the context built at cold start, as ctx.context, on every call', async () => {
    let built = 0;
    const buildContext = async (): Promise<Calculator> => {
      built += 1;
      return { precision: 3 };
    };
    const handler = toolHandler(divide, { context: buildContext() });

    const first = await handler(event({ a: 1, b: 3 }));
    const second = await handler(event({ a: 2, b: 3 }));

    expect(first).toMatchObject({ ok: true, result: { quotient: 0.333 } });
    expect(second).toMatchObject({ ok: true, result: { quotient: 0.667 } });
    expect(built).toBe(1);
  });

  it('fails a call of a tool that needs a context when the handler was given none, naming the tool and the fix', async () => {
    const handler = toolHandler(divide as never);

    const envelope = await handler(event({ a: 6, b: 3 }));

    expect(envelope).toEqual({
      ok: false,
      error: { name: 'Stepwise.InvalidConfig', message: expect.stringMatching(/^Tool "divide" needs a context.*toolHandler\(tool, \{ context \}\)/), retryable: false },
    });
  });

  it('fails every call with the reason when the context could not be built', async () => {
    const handler = toolHandler(divide, { context: Promise.reject<Calculator>(new Error('prices.csv not found')) });

    const envelope = await handler(event({ a: 6, b: 3 }));

    expect(envelope).toMatchObject({ ok: false, error: { message: 'prices.csv not found', retryable: false } });
  });
});
