import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot } from '../helpers/cli';

/** The compiled module the container's program runs (`npm run build` writes it). */
const V8_TUNING = path.join(repositoryRoot, 'dist', 'agent-task', 'v8-tuning.js');

interface TunedProcess {
  readonly tuning?: string;
  /** The young generation (V8's new space) before the tuning, and after the work below. */
  readonly newSpaceBefore: number;
  readonly newSpaceAfter: number;
  /** Functions V8's optimizing compilers finished, from `--trace-opt` (turned on after the tuning). */
  readonly optimized: number;
}

/**
 * A fresh Node process that tunes itself as the container's program does, then runs a hot function
 * and churns through young objects that survive a scavenge or two: what makes V8 optimize and grow
 * its young generation. The flags are the whole process's, so this cannot run in Jest's own.
 */
function tunedProcess(value: string | undefined): TunedProcess {
  const script = `
    const v8 = require('node:v8');
    const newSpace = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    const newSpaceBefore = newSpace();
    const tuning = require(${JSON.stringify(V8_TUNING)}).tuneV8FromEnvironment(process.env);
    v8.setFlagsFromString('--trace-opt');
    function hot(n) { let sum = 0; for (let i = 0; i < n; i++) sum += (i * i) % 7; return sum; }
    let total = 0;
    for (let i = 0; i < 2000; i++) total += hot(1000);
    const kept = [];
    for (let round = 0; round < 300; round++) { kept.push(Array.from({ length: 5000 }, (_, i) => ({ i, round }))); if (kept.length > 10) kept.shift(); }
    console.log('RESULT ' + JSON.stringify({ tuning, newSpaceBefore, newSpaceAfter: newSpace(), total }));
  `;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (value !== undefined) env.STEPWISE_CONTAINER_V8 = value;
  const output = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(/^RESULT (.*)$/m.exec(output)![1]) as TunedProcess & { total: number };
  expect(result.total).toBe(4_002_000);
  return { ...result, optimized: output.split('\n').filter((line) => line.startsWith('[completed optimizing')).length };
}

describe("the container's V8 tuning (STEPWISE_CONTAINER_V8)", () => {
  it('with lean: no function is optimized and the young generation keeps its first size', () => {
    const lean = tunedProcess(' Lean ');

    expect(lean.tuning).toBe('lean');
    expect(lean.optimized).toBe(0);
    // Two semi-spaces of the first size (the second is committed at the first scavenge), never more.
    expect(lean.newSpaceAfter).toBeLessThanOrEqual(2 * lean.newSpaceBefore);
  });

  it.each([['node', 'node'], ['unset', undefined]])("keeps Node's own tuning with %s: the same work is optimized and grows the young generation", (_name, value) => {
    const node = tunedProcess(value);

    expect(node.tuning).toBe('node');
    expect(node.optimized).toBeGreaterThan(0);
    expect(node.newSpaceAfter).toBeGreaterThan(2 * node.newSpaceBefore);
  });

  it('leaves V8 alone when the value names no tuning (the container then fails its turn, naming it)', () => {
    const unknown = tunedProcess('turbo');

    expect(unknown.tuning).toBeUndefined();
    expect(unknown.optimized).toBeGreaterThan(0);
  });
});
