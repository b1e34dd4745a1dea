import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A user's file, type-checked against the built `.d.ts` of the public entries (what `npm install
 * stepwise-agents` gives a user), not against the sources. Each `@ts-expect-error` is a mistake
 * that must stay a compile error: tsc reports an unused one, so the file fails either way.
 */
const USER_FILE = `
import { z } from 'zod';
import { defineAgent, defineConfig, defineTool, offlinePlanner, runAgent, MemoryCheckpointStore, type OfflinePlan, type ToolContext } from 'stepwise-agents';
import { toolHandler } from 'stepwise-agents/lambda';
import { scriptedModel } from 'stepwise-agents/testing';
import { bundledToolsContext, searchDocuments, type BundledToolsContext } from 'stepwise-agents/tools';
// @ts-expect-error engine plumbing is not part of the main entry
import { foldJournal } from 'stepwise-agents';
// @ts-expect-error the corpus workspace left the core
import { workspaceFromEnvironment } from 'stepwise-agents';
// @ts-expect-error the demo's plan left the core
import { answerFromSearch } from 'stepwise-agents';

interface Shop { readonly prices: ReadonlyMap<string, number> }

const price = defineTool({
  name: 'price',
  description: 'The price of an item',
  parameters: z.object({ item: z.string() }),
  execute: ({ item }, ctx: ToolContext<Shop>) => ({ item, price: ctx.context.prices.get(item) ?? null }),
});
const echo = defineTool({ name: 'echo', description: 'Echoes', parameters: z.object({ text: z.string() }), execute: ({ text }) => text.toUpperCase() });

const plan: OfflinePlan = ({ task }) => ({ thought: 'look it up', calls: [{ tool: 'price', args: { item: task } }] });
const shopAgent = defineAgent({ name: 'shop', description: 'Prices', tools: [price, echo], model: offlinePlanner(plan) });
const plain = defineAgent({ name: 'plain', description: 'Echoes', tools: [echo], model: scriptedModel([{ text: 'hi' }]) });
const shop: Shop = { prices: new Map([['pear', 1]]) };

export async function main(): Promise<void> {
  const result = await runAgent(shopAgent, 'pear', { context: shop, checkpointStore: new MemoryCheckpointStore() });
  if (result.status === 'COMPLETED') console.log(result.answer.length);
  await runAgent(plain, 'hi');
  // @ts-expect-error an agent whose tools need a context cannot run without one
  await runAgent(shopAgent, 'pear');
  // @ts-expect-error nor with a context of the wrong type
  await runAgent(shopAgent, 'pear', { context: { prices: ['pear'] } });
}

export const handler = toolHandler(price, { context: shop });
export const plainHandler = toolHandler(echo);
// @ts-expect-error a tool that needs a context needs it in its handler too
export const bareHandler = toolHandler(price);
export const searchHandler = toolHandler(searchDocuments, { context: bundledToolsContext(process.env) });
const bundled: BundledToolsContext = bundledToolsContext({}, { outboxDir: '/tmp/out' });

export default defineConfig({ agents: [shopAgent, plain], context: () => shop });
// @ts-expect-error the config's context must be what the agents' tools need
export const wrong = defineConfig({ agents: [shopAgent], context: () => ({ prices: 'none' }) });
// @ts-expect-error offlinePlan is no longer an agent option
defineAgent({ name: 'old', description: 'Old', tools: [echo], offlinePlan: plan });
void bundled;
`;

describe('the published types', () => {
  it('type-check a user file against dist/*.d.ts: the typed context, and internals that are not importable', () => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'stepwise-types-'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    writeFileSync(path.join(project, 'user.ts'), USER_FILE);
    const dist = (file: string) => [path.join(ROOT, 'dist', file)];
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'Node16',
          moduleResolution: 'Node16',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          paths: {
            'stepwise-agents': dist('framework/index.d.ts'),
            'stepwise-agents/lambda': dist('framework/lambda.d.ts'),
            'stepwise-agents/testing': dist('framework/testing/index.d.ts'),
            'stepwise-agents/tools': dist('tools/index.d.ts'),
          },
        },
        files: ['user.ts'],
      }),
    );

    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' });

    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('leaves engine plumbing out of the main entry at run time too', () => {
    const script = `const main = require('stepwise-agents'); const names = ['foldJournal', 'createStores', 'encodeStoreKey', 'payloadRef', 'EventStream', 'chooseModel', 'answerFromSearch', 'workspaceFromEnvironment', 'runAgent', 'defineTool', 'offlinePlanner', 'offlineModel'];
      process.stdout.write(JSON.stringify(Object.fromEntries(names.map((name) => [name, typeof main[name]]))));`;
    const exported = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));

    expect(exported).toEqual({
      foldJournal: 'undefined', createStores: 'undefined', encodeStoreKey: 'undefined', payloadRef: 'undefined', EventStream: 'undefined', chooseModel: 'undefined',
      answerFromSearch: 'undefined', workspaceFromEnvironment: 'undefined', runAgent: 'function', defineTool: 'function', offlinePlanner: 'function', offlineModel: 'function',
    });
  });
});
