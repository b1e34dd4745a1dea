import { StepwiseError, StoreError } from '../framework';
import type { CliEnvironment } from './environment';
import { runUsage } from './usage';
import { targetUsage } from './target-options';
import { readCliEnvironment } from './environment';
import { ExitCode, NoEngineError, ServerReportedError, UsageError } from './errors';
import { ApprovalPromptInterrupted } from './approver';
import { processIo, type CliIo } from './io';

/** Each command's usage line(s) and what it does: the source of `stepwise help` and `stepwise <command> --help`. */
const COMMANDS: Readonly<Record<string, { readonly usage: string; readonly summary: string }>> = {
  init: {
    usage: 'stepwise init [dir]',
    summary: 'Scaffolds a project in a new or empty folder: an agent and a tool of your own, a test, a CDK app, a Dockerfile.',
  },
  run: {
    usage: runUsage,
    summary: 'Runs an agent end to end through the local engine (started in-process when none is running);\n--in-process runs the ReAct loop in this process without the workflow; --target aws runs it\non the deployed stack and streams its progress from the stack\'s events endpoint.',
  },
  dev: {
    usage: 'stepwise dev [--port 8723] [--config FILE] [--corpus DIR] [--model M] [--verbose] [--max-containers N] [--aws-faithful [--cold-start SECONDS]]',
    summary:
      'Runs the local engine (Step Functions and Lambda APIs on loopback) and the web console until Ctrl-C.\n' +
      'Reloads the config and the files it imports on save: new executions use the new code, running ones\n' +
      'finish on the code they started with; a save that does not load keeps the previous code and says why.\n' +
      '--model M runs every agent on M, over the agent\'s, the config\'s and the execution\'s own model.',
  },
  start: { usage: 'stepwise start <agent> "<task>" [--session ID]', summary: 'Starts an execution and prints its ARN.' },
  status: { usage: 'stepwise status <executionArn> [--json]', summary: 'Shows an execution\'s status, answer or error, and cost.' },
  list: { usage: 'stepwise list [--status S] [--agent A]', summary: 'Lists executions.' },
  logs: { usage: 'stepwise logs <executionArn> [--follow] [--history] [--json]', summary: 'Prints an execution\'s progress events (--history: its Step Functions history).' },
  approvals: { usage: 'stepwise approvals [--execution ARN] [--json]', summary: 'Lists the approvals waiting for a decision.' },
  approve: {
    usage: 'stepwise approve <approvalId> [--args JSON | --args-file FILE] [--reason TEXT | --reason-file FILE]',
    summary: 'Approves a tool call; --args merges edits into its arguments.',
  },
  reject: { usage: 'stepwise reject <approvalId> --reason TEXT | --reason-file FILE', summary: 'Rejects a tool call; the agent hears the reason.' },
  redrive: { usage: 'stepwise redrive <executionArn>', summary: 'Resumes a failed execution from the step that failed.' },
  asl: { usage: 'stepwise asl <agent> [--config FILE]', summary: 'Prints the agent\'s state machine definition (Amazon States Language).' },
};

/** Commands that talk to an engine (local or deployed) and take the target flags. */
const ENGINE_COMMANDS = new Set(['start', 'status', 'list', 'logs', 'approvals', 'approve', 'reject', 'redrive']);

const indent = (text: string, spaces: number): string => text.split('\n').map((line) => ' '.repeat(spaces) + line).join('\n');

const HELP = `Stepwise: long-running AI agents on AWS, and on this machine.

Usage:
${Object.values(COMMANDS).map(({ usage, summary }) => `${indent(usage, 2)}\n${indent(summary, 6)}`).join('\n')}

  Engine commands (${[...ENGINE_COMMANDS].join(', ')}) take ${targetUsage}
  (default: the local engine at http://127.0.0.1:8723; --target aws uses your AWS credentials and the deployed stack).
  stepwise <command> --help shows one command.

Environment:
  OPENAI_BASE_URL, OPENAI_API_KEY   an OpenAI-compatible endpoint for --model openai:<name>
  STEPWISE_MODEL                     default model when the run, agent and config name none (default: offline);
                                     --model wins over all of them
  STEPWISE_CORPUS_DIR                default folder for --corpus
  STEPWISE_ENDPOINT                  the local engine's address (default http://127.0.0.1:8723)
`;

/** `stepwise <command> --help`: the command's usage, what it does, and the target flags when it takes them. */
function commandHelp(command: string): string {
  const { usage, summary } = COMMANDS[command];
  const target = ENGINE_COMMANDS.has(command) ? `\n\nIt also takes ${targetUsage}\n(default: the local engine at http://127.0.0.1:8723; --target aws uses your AWS credentials and the deployed stack).` : '';
  return `Usage: ${usage}\n\n${summary}${target}\n`;
}

/** True when the arguments ask for help before any "--" (after which everything is positional). */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** Runs the `stepwise` command and returns its exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && Object.hasOwn(COMMANDS, command) && asksForHelp(rest)) {
    io.out(commandHelp(command));
    return ExitCode.Ok;
  }
  try {
    const env = readCliEnvironment();
    switch (command) {
      case 'run': {
        const { parseRunArguments, runInProcess } = require('./commands/run') as typeof import('./commands/run');
        const args = parseRunArguments(rest);
        if (args.inProcess) return await runInProcess(args, env, io);
        const { runOnAws, runOnEngine } = require('./commands/run-engine') as typeof import('./commands/run-engine');
        return await (args.target === 'aws' ? runOnAws(args, env, io) : runOnEngine(args, env, io));
      }
      case 'init':
        return await (require('./commands/init') as typeof import('./commands/init')).init(rest, env, io);
      case 'dev':
        return await (require('./commands/dev') as typeof import('./commands/dev')).dev(rest, env, io);
      case 'start':
      case 'status':
      case 'list':
      case 'logs':
      case 'approvals':
      case 'approve':
      case 'reject':
      case 'redrive':
      case 'asl': {
        // Commands load on demand, so a quick `stepwise status` does not pay for the engine or the tools.
        const commands: Record<string, (argv: readonly string[], env: CliEnvironment, io: CliIo) => Promise<number>> = require('./commands/engine-commands') as typeof import('./commands/engine-commands');
        return await commands[command](rest, env, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return command === undefined ? ExitCode.BadUsage : ExitCode.Ok;
      default:
        throw new UsageError(`Unknown command "${command}". Run "stepwise help" for the commands.`);
    }
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof ApprovalPromptInterrupted) {
    io.error(`stepwise: ${error.message}`);
    return ExitCode.Interrupted;
  }
  if (error instanceof UsageError || (error instanceof StepwiseError && error.fault === 'user')) {
    io.error(`stepwise: ${error.message}`);
    return ExitCode.BadUsage;
  }
  if (error instanceof StoreError || error instanceof ServerReportedError) {
    // The message names the damaged file or lock and what to do; a stack trace would bury it.
    io.error(`stepwise: ${error.message}`);
    return ExitCode.RunFailed;
  }
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.error(`stepwise: ${error.message}. Run "stepwise help" for usage.`);
    return ExitCode.BadUsage;
  }
  const refused = error instanceof NoEngineError ? error.address : connectionRefused(error);
  if (refused) {
    io.error(`stepwise: ${new NoEngineError(/^https?:\/\//.test(refused) ? refused : `http://${refused}`).message}`);
    return ExitCode.RunFailed;
  }
  if (isServiceError(error)) {
    // An answer from Step Functions, Lambda or the local engine (ExecutionDoesNotExist,
    // ExecutionNotRedrivable, …): its name and message say what happened; a stack would not.
    io.error(`stepwise: ${error.name}: ${error.message}`);
    return ExitCode.RunFailed;
  }
  io.error(`stepwise: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return ExitCode.RunFailed;
}

/** An error the AWS SDK made from a service's answer: it carries the response metadata. */
function isServiceError(error: unknown): error is Error {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object';
}

/** The address that refused the connection, wherever in the error's cause chain it was reported. */
function connectionRefused(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const match = /ECONNREFUSED (\S+)/.exec(current.message);
    if (match) return match[1];
    const { code, address, port } = current as { code?: string; address?: string; port?: number };
    if (code === 'ECONNREFUSED' && address !== undefined) return `${address}:${port}`;
    for (const inner of (current as { errors?: unknown[] }).errors ?? []) {
      const nested = connectionRefused(inner);
      if (nested) return nested;
    }
  }
  return undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
