import { parseArgs } from 'node:util';
import { RunStatus, contextOfConfig, loadConfig, runAgent, type RunResult } from '../../framework/internal';
import { checkModelBeforeStart } from '../model-check';
import type { CliEnvironment } from '../environment';
import { ExitCode, UsageError } from '../errors';
import { createApprover, editedArgumentsValidator, parseApproveMode } from '../approver';
import { progressPrinter, describeModel } from '../progress';
import { costLine } from '../cost-summary';
import { outcomeOf, type RunOutcome } from '../run-summary';
import { resolveWorkspace } from '../workspace';
import type { CliIo } from '../io';
import { runUsage } from '../usage';


/** Parsed `stepwise run` arguments. */
export interface RunArguments {
  readonly agent: string;
  readonly task: string;
  readonly config?: string;
  readonly model?: string;
  readonly corpus?: string;
  readonly approve: ReturnType<typeof parseApproveMode>;
  readonly json: boolean;
  readonly inProcess: boolean;
  readonly endpoint?: string;
  /** `aws`: run on the deployed stack (`stack`, `region`) instead of the local engine. */
  readonly target: 'local' | 'aws';
  readonly stack?: string;
  readonly region?: string;
}

/** Reads `stepwise run` arguments; anything wrong is a usage error naming it. */
export function parseRunArguments(argv: readonly string[]): RunArguments {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      model: { type: 'string' },
      corpus: { type: 'string' },
      approve: { type: 'string' },
      json: { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      target: { type: 'string' },
      stack: { type: 'string' },
      region: { type: 'string' },
    },
  });
  const [agent, ...rest] = positionals;
  const task = rest.join(' ').trim();
  if (!agent) throw new UsageError(`Missing the agent name. Usage: ${runUsage}`);
  if (!task) throw new UsageError(`Missing the task for agent "${agent}". Usage: ${runUsage}`);
  const target = values.target ?? (values.stack ? 'aws' : 'local');
  if (target !== 'local' && target !== 'aws') throw new UsageError(`--target must be local or aws (got "${target}")`);
  if (target === 'aws') {
    // Each of these names something on this machine; on AWS the stack has its own.
    const local = [values['in-process'] && '--in-process', values.endpoint !== undefined && '--endpoint', values.corpus !== undefined && '--corpus'].filter(Boolean);
    if (local.length > 0) throw new UsageError(`${local.join(', ')} ${local.length > 1 ? 'apply' : 'applies'} to a run on this machine, not with --target aws (the deployed tools read their own corpus; --stack names the stack).`);
  } else if (values.region !== undefined || values.stack !== undefined) {
    throw new UsageError(`${values.stack !== undefined ? '--stack' : '--region'} applies with --target aws`);
  }
  return {
    agent,
    task,
    config: values.config,
    model: values.model,
    corpus: values.corpus,
    approve: parseApproveMode(values.approve),
    json: values.json ?? false,
    inProcess: values['in-process'] ?? false,
    endpoint: values.endpoint,
    target,
    stack: values.stack,
    region: values.region,
  };
}

/** Runs an agent in this process: the framework's runner with in-process tools. */
export async function runInProcess(args: RunArguments, env: CliEnvironment, io: CliIo): Promise<number> {
  const { config, path: configPath } = await loadConfig(args.config, { cwd: io.cwd });
  const agent = config.agent(args.agent);
  // In process, --model is the flag of whoever runs it: it wins over the agent's own model.
  const model = checkModelBeforeStart({ override: args.model, agent: agent.model, config: config.model, fallback: env.model }, agent, env.modelSettings);
  const workspace = resolveWorkspace({ corpus: args.corpus, envCorpus: env.corpusDir, cwd: io.cwd });
  const progressLine = args.json ? io.error : io.out;
  const onEvent = progressPrinter(progressLine, { color: env.color && !args.json, writeText: args.json ? io.errorText : io.outText });
  const approver = createApprover(
    args.approve,
    {
      interactive: env.interactive,
      input: io.stdin,
      output: io.stderr,
      notice: io.error,
      editor: env.editor,
      decideLater: () => 'An in-process run keeps no state, so nothing waits for it: run the agent again to decide.',
    },
    editedArgumentsValidator(agent),
  );
  const options = {
    model,
    modelSettings: env.modelSettings,
    context: await contextOfConfig(config, { ...env.contextEnv, ...workspace }),
    prices: config.prices,
    onEvent,
  };
  let result: RunResult = await runAgent(agent, args.task, options);
  while (result.status === RunStatus.AwaitingApproval) {
    for (const approval of result.approvals) result.state.decide(await approver(approval));
    result = await runAgent(agent, result.state, options);
  }
  printResult(outcomeOf(result), args.json, io, { answerShown: result.status === RunStatus.Completed && onEvent.answerShown(result.answer) });
  return result.status === RunStatus.Completed ? ExitCode.Ok : ExitCode.RunFailed;
}

/**
 * Prints the answer (or, with `--json`, the one summary object) of a finished run. An answer the
 * progress already showed in full as it streamed is not printed twice.
 */
export function printResult(outcome: RunOutcome, json: boolean, io: CliIo, options: { answerShown?: boolean } = {}): void {
  if (json) {
    io.out(JSON.stringify(outcome));
    return;
  }
  io.out('');
  if (outcome.status === RunStatus.Completed && !options.answerShown) io.out(outcome.answer ?? '');
  else if (outcome.error) io.out(`The run failed: ${outcome.error.name}: ${outcome.error.message}`);
  io.out('');
  io.out(`model: ${describeModel(outcome.model)} · iterations: ${outcome.iterations} · tokens: ${outcome.usage.inputTokens + outcome.usage.outputTokens}${outcome.executionArn ? ` · execution: ${outcome.executionArn}` : ''}`);
  io.out(costLine(outcome.costUsd, outcome.cost));
}
