import { StepwiseError, StoreError } from '../framework';
import type { CliEnvironment } from './environment';
import { runUsage } from './usage';
import { targetUsage } from './target-options';
import { readCliEnvironment } from './environment';
import { ExitCode, ServerReportedError, UsageError } from './errors';
import { processIo, type CliIo } from './io';

const HELP = `Stepwise: long-running AI agents on AWS, and on this machine.

Usage:
  ${runUsage}
      Runs an agent end to end through the local engine (started in-process when none is running);
      --in-process runs the ReAct loop in this process without the workflow; --target aws runs it
      on the deployed stack and streams its progress from the stack's events endpoint.
  stepwise dev [--port 8723] [--config FILE] [--corpus DIR] [--verbose] [--max-containers N] [--aws-faithful [--cold-start SECONDS]]
  stepwise start <agent> "<task>" [--session ID]        prints the execution ARN
  stepwise status <executionArn> [--json]
  stepwise list [--status S] [--agent A]
  stepwise logs <executionArn> [--follow] [--history] [--json]
  stepwise approvals [--execution ARN] [--json]
  stepwise approve <approvalId> [--args JSON | --args-file FILE] [--reason TEXT | --reason-file FILE]
  stepwise reject <approvalId> --reason TEXT | --reason-file FILE
  stepwise redrive <executionArn>
  stepwise asl <agent> [--config FILE]

  Engine commands take ${targetUsage}
  (default: the local engine at http://127.0.0.1:8723; --target aws uses your AWS credentials and the deployed stack).

Environment:
  OPENAI_BASE_URL, OPENAI_API_KEY   an OpenAI-compatible endpoint for --model openai:<name>
  STEPWISE_MODEL                     default model when the agent and config name none (default: offline)
  STEPWISE_CORPUS_DIR                default folder for --corpus
  STEPWISE_ENDPOINT                  the local engine's address (default http://127.0.0.1:8723)
`;

/** Runs the `stepwise` command and returns its exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
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
  const refused = /ECONNREFUSED (\S+)/.exec(error instanceof Error ? error.message : '');
  if (refused) {
    io.error(`stepwise: nothing answers at ${refused[1]}. Start the local engine with "stepwise dev", or pass --endpoint URL (or --target aws).`);
    return ExitCode.RunFailed;
  }
  io.error(`stepwise: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return ExitCode.RunFailed;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
