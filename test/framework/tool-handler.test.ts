import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ToolExecutionError } from '../../framework/errors';
import { defineTool } from '../../framework/tool';
import { bundledCorpusDir, toolHandler, workspaceFromEnvironment, type ToolInvocationEvent } from '../../framework/tool-handler';

const workspace = { corpusDir: os.tmpdir(), outboxDir: mkdtempSync(path.join(os.tmpdir(), 'handler-outbox-')) };

const divide = defineTool({
  name: 'divide',
  description: 'Divides a by b',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }, context) => {
    if (b === 0) throw new ToolExecutionError('divide', 'Cannot divide by zero: pass a non-zero b');
    return { quotient: a / b, key: context.idempotencyKey, corpus: context.workspace.corpusDir, approved: context.approval?.approved ?? null };
  },
});

function event(args: Record<string, unknown>, extra: Partial<ToolInvocationEvent> = {}): ToolInvocationEvent {
  return { arguments: args, callId: 'call-1', idempotencyKey: 'exec-1:call-1', executionId: 'exec-1', ...extra };
}

describe('toolHandler', () => {
  it('returns the tool result in an ok envelope with the call context passed through', async () => {
    const handler = toolHandler(divide, { workspace });

    const envelope = await handler(event({ a: 6, b: 3 }, { approval: { approved: true, outcome: 'approved' } }));

    expect(envelope).toEqual({ ok: true, result: { quotient: 2, key: 'exec-1:call-1', corpus: workspace.corpusDir, approved: true } });
  });

  it('returns invalid arguments as an error envelope naming each bad field', async () => {
    const handler = toolHandler(divide, { workspace });

    const envelope = await handler(event({ a: 'six' }));

    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.retryable).toBe(false);
    expect(envelope.error.issues?.map((issue) => issue.field).sort()).toEqual(['a', 'b']);
    expect(envelope.error.message).toContain('divide');
  });

  it("returns the tool's own error as an error envelope instead of failing the Lambda", async () => {
    const handler = toolHandler(divide, { workspace });

    const envelope = await handler(event({ a: 1, b: 0 }));

    expect(envelope).toEqual({
      ok: false,
      error: { name: 'Stepwise.ToolError', message: 'Cannot divide by zero: pass a non-zero b', retryable: false },
    });
  });

  it('rejects an event that is not a tool invocation, naming the missing fields', async () => {
    const handler = toolHandler(divide, { workspace });

    const envelope = await handler({ arguments: { a: 1, b: 2 } } as unknown as ToolInvocationEvent);

    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.name).toBe('Stepwise.InvalidInput');
    expect(envelope.error.issues?.map((issue) => issue.field).sort()).toEqual(['callId', 'executionId', 'idempotencyKey']);
  });

  it('takes the tool\'s arguments alone, as aws lambda invoke --payload sends them: a call of its own, with a fresh key', async () => {
    const handler = toolHandler(divide, { workspace });

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

    const envelope = await toolHandler(slow, { workspace })(event({}));

    expect(envelope).toEqual({ ok: false, error: expect.objectContaining({ retryable: true, message: expect.stringContaining('timed out') }) });
  });

  it('reads the workspace from the environment, defaulting to the bundled corpus and /tmp outbox', () => {
    expect(workspaceFromEnvironment({})).toEqual({ corpusDir: bundledCorpusDir(), outboxDir: '/tmp/stepwise-outbox' });
    expect(workspaceFromEnvironment({ STEPWISE_CORPUS_DIR: '/data/docs', STEPWISE_OUTBOX_DIR: 's3://bucket/reports' })).toEqual({
      corpusDir: '/data/docs',
      outboxDir: 's3://bucket/reports',
    });
  });

  it('finds the bundled corpus under the package root', () => {
    expect(bundledCorpusDir()).toBe(path.resolve(__dirname, '..', '..', 'tools', 'corpus'));
  });
});
