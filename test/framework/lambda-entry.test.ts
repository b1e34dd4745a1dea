import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { defineTool, toolHandler } from 'stepwise-agents/lambda';

const ROOT = path.resolve(__dirname, '..', '..');

/** Requires a package entry by its public name in a fresh Node process and lists what it loaded. */
function modulesLoadedBy(specifier: string): { resolved: string; modules: string[] } {
  const script = `const resolved = require.resolve(${JSON.stringify(specifier)}); require(resolved); process.stdout.write(JSON.stringify({ resolved, modules: Object.keys(require.cache) }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

const HEAVY = /node_modules[\\/](@aws-sdk|@smithy|openai|jiti|aws-local-stepfunctions|compromise|aws-cdk-lib)[\\/]/;

describe('stepwise-agents/lambda, the entry a tool Lambda imports', () => {
  it('resolves through the package exports to the built entry and loads no AWS SDK client, openai or jiti', () => {
    const { resolved, modules } = modulesLoadedBy('stepwise-agents/lambda');
    expect(path.relative(ROOT, resolved)).toBe(path.join('dist', 'framework', 'lambda.js'));
    expect(modules.filter((file) => HEAVY.test(file))).toEqual([]);
  });

  it('gives a handler that validates and runs a tool', async () => {
    const echo = defineTool({ name: 'echo', description: 'Echoes text.', parameters: z.object({ text: z.string() }), execute: async ({ text }) => ({ text }) });
    const handler = toolHandler(echo);
    await expect(handler({ arguments: { text: 'hi' }, callId: 'c1', idempotencyKey: 'k1', executionId: 'e1' })).resolves.toEqual({ ok: true, result: { text: 'hi' } });
    await expect(handler({ arguments: { text: 3 }, callId: 'c2', idempotencyKey: 'k2', executionId: 'e1' })).resolves.toMatchObject({ ok: false, error: { name: 'Stepwise.ToolError', message: expect.stringContaining('text') } });
  });
});

describe('stepwise-agents/infra, the entry a CDK app imports', () => {
  it('exports AgentPlatform from the built package', () => {
    const script = `const infra = require('stepwise-agents/infra'); process.stdout.write(typeof infra.AgentPlatform);`;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })).toBe('function');
  });
});
