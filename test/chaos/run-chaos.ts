/**
 * `npm run chaos [-- --runs N] [--seed S] [--parallel P] [--minutes M]`: runs the chaos suite
 * (test/chaos/chaos.ts) against `stepwise dev` on loopback, prints the seed first (pass it again
 * to replay the same choices), then the counts and every violation; exits 1 when anything broke.
 */
import { parseArgs } from 'node:util';

// The AWS SDK's Node 20 notice says nothing a chaos run can act on (the package pins its SDK).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '20' }, seed: { type: 'string' }, parallel: { type: 'string', default: '3' }, minutes: { type: 'string', default: '20' } },
  });
  const number = (name: string, text: string | undefined, minimum: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) throw new Error(`--${name} must be a whole number from ${minimum}, got "${text}"`);
    return value;
  };
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed', values.seed, 0);
  const runs = number('runs', values.runs, 1);
  const parallel = number('parallel', values.parallel, 1);
  process.stdout.write(`chaos: seed ${seed}, ${runs} executions, ${parallel} at a time (same choices again: npm run chaos -- --runs ${runs} --parallel ${parallel} --seed ${seed})\n`);
  // Loaded after the line above, so the SDK sees it.
  const { runChaos } = require('./chaos') as typeof import('./chaos');
  const report = await runChaos({
    runs,
    seed,
    parallel,
    timeLimitMs: number('minutes', values.minutes, 1) * 60_000,
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
  process.stdout.write(`chaos: seed ${seed}, ${runs} executions in ${(report.elapsedMs / 1000).toFixed(0)} s\n`);
  for (const [name, count] of Object.entries(report.counts)) process.stdout.write(`  ${name.padEnd(26)} ${count}\n`);
  if (report.violations.length === 0) {
    process.stdout.write('chaos: no violations\n');
    return 0;
  }
  process.stdout.write(`chaos: ${report.violations.length} violation(s):\n${report.violations.map((violation) => `  - ${violation}`).join('\n')}\n`);
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
