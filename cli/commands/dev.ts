import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../framework';
import type { CliEnvironment } from '../environment';
import { ExitCode, UsageError } from '../errors';
import type { CliIo } from '../io';
import { startProjectEngine } from '../../local';
import { DEFAULT_LOCAL_ENDPOINT } from '../target';
import { resolveWorkspace } from '../workspace';

/**
 * `stepwise dev [--port N] [--config FILE] [--model SPEC] [--corpus DIR] [--max-containers N] [--aws-faithful [--cold-start SECONDS]]`:
 * runs the local engine and its web console until Ctrl-C (or SIGTERM), reloading the config and
 * the files it imports when they change. `--model` is an override: every run uses it.
 */
export async function dev(argv: readonly string[], env: CliEnvironment, io: CliIo, until?: Promise<void>): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string' },
      config: { type: 'string' },
      corpus: { type: 'string' },
      model: { type: 'string' },
      verbose: { type: 'boolean' },
      'aws-faithful': { type: 'boolean' },
      'cold-start': { type: 'string' },
      'max-containers': { type: 'string' },
    },
  });
  const port = Number(values.port ?? new URL(DEFAULT_LOCAL_ENDPOINT).port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number (got "${values.port}")`);
  const coldStartSeconds = values['cold-start'] === undefined ? undefined : Number(values['cold-start']);
  if (coldStartSeconds !== undefined && !(Number.isFinite(coldStartSeconds) && coldStartSeconds >= 0)) throw new UsageError(`--cold-start must be a number of seconds (got "${values['cold-start']}")`);
  if (coldStartSeconds !== undefined && !values['aws-faithful']) throw new UsageError('--cold-start applies with --aws-faithful');
  const maxContainers = values['max-containers'] === undefined ? undefined : Number(values['max-containers']);
  if (maxContainers !== undefined && !(Number.isSafeInteger(maxContainers) && maxContainers >= 1)) throw new UsageError(`--max-containers must be a whole number, 1 or more (got "${values['max-containers']}")`);
  const { config, path: configPath } = await loadConfig(values.config, { cwd: io.cwd });
  const workspace = resolveWorkspace({ corpus: values.corpus, envCorpus: env.corpusDir, cwd: io.cwd });
  const root = path.resolve(io.cwd, '.stepwise');
  const engine = await startProjectEngine({
    config,
    configPath,
    root,
    workspace,
    port,
    model: env.model,
    modelOverride: values.model,
    modelEnv: env.modelEnv,
    containerV8: env.containerV8,
    log: io.error,
    echoContainerOutput: values.verbose ?? false,
    awsFaithful: values['aws-faithful'] ? { coldStartSeconds } : false,
    maxContainers,
    watch: true,
  });
  io.out(`Stepwise local engine running (state in ${root})`);
  io.out(`  Console             ${engine.consoleUrl}   (open it in a browser: runs, a run's graph and timeline, approvals)`);
  io.out(`  Step Functions API  ${engine.endpoint}   e.g. aws stepfunctions list-state-machines --endpoint-url ${engine.endpoint}`);
  io.out(`  Lambda API          ${engine.endpoint}/2015-03-31/functions/<tool>/invocations`);
  io.out(`  Live progress (SSE) ${engine.endpoint}/executions/<executionArn>/events`);
  io.out(`  Approvals           ${engine.endpoint}/approvals`);
  io.out(`  Containers          at most ${engine.maxContainers} at once${maxContainers === undefined ? ' (from free memory and CPUs; --max-containers N to change)' : ''}; more wait in line`);
  io.out(`  Agents: ${config.agents.map((agent) => agent.name).join(', ')}   (Ctrl-C to stop)`);
  io.out(`  Reloads on save     ${path.relative(io.cwd, configPath) || configPath} and the files it imports; running executions finish on the code they started with`);
  if (values.model) io.out(`  Model               ${values.model} for every run (--model wins over the agent's, the config's and the execution input's)`);
  if (values['aws-faithful']) io.out(`  AWS-faithful: a crashed container surfaces only as a heartbeat timeout${coldStartSeconds ? `; containers take ${coldStartSeconds} s to start` : ''}`);
  await (until ?? new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }));
  await engine.stop();
  io.out('engine stopped');
  return ExitCode.Ok;
}
