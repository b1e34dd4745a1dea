/**
 * What a tool Lambda's cold start pays to load Stepwise: the median time and module count of
 * `require('stepwise-agents/lambda')` against `require('stepwise-agents')`, each in a fresh Node
 * process (so nothing is cached), resolved through the package's exports map to the built `dist/`.
 * Prints figures; asserts nothing. Run: npm run bench:imports (builds first).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const RUNS = 9;
const ENTRIES = ['stepwise-agents/lambda', 'stepwise-agents', 'stepwise-agents/infra'] as const;

function measureOnce(specifier: string): { ms: number; modules: number } {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(specifier)}); const ms = Number(process.hrtime.bigint() - t) / 1e6; process.stdout.write(JSON.stringify({ ms, modules: Object.keys(require.cache).length }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`import cost in a fresh process, median of ${RUNS} (Node ${process.version})`);
for (const entry of ENTRIES) {
  const runs = Array.from({ length: RUNS }, () => measureOnce(entry));
  console.log(`  ${entry.padEnd(24)} ${median(runs.map((r) => r.ms)).toFixed(0).padStart(5)} ms  ${runs[0].modules} modules`);
}
