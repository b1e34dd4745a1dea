import { StepwiseError } from '../framework';
import { dev } from './commands/dev';
import { approvals, approve, asl, list, logs, redrive, reject, start, status } from './commands/engine-commands';
import { parseRunArguments, runInProcess, runUsage } from './commands/run';
import { runOnEngine } from './commands/run-engine';
import { targetUsage } from './target-options';
import { readCliEnvironment } from './environment';
import { ExitCode, UsageError } from './errors';
import { processIo, type CliIo } from './io';

const HELP = `Stepwise: long-running AI agents on AWS, and on this machine.

Usage:
  ${runUsage}
      Runs an agent end to end through the local engine (started in-process when none is running);
      --in-process runs the ReAct loop in this process without the workflow.
  stepwise dev [--port 8723] [--config FILE] [--corpus DIR] [--verbose]
  stepwise start <agent> "<task>" [--session ID]        prints the execution ARN
  stepwise status <executionArn> [--json]
  stepwise list [--status S] [--agent A]
  stepwise logs <executionArn> [--follow] [--history] [--json]
  stepwise approvals [--execution ARN] [--json]
  stepwise approve <approvalId> [--args JSON] [--reason TEXT]
  stepwise reject <approvalId> --reason TEXT
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
        const args = parseRunArguments(rest);
        return await (args.inProcess ? runInProcess(args, env, io) : runOnEngine(args, env, io));
      }
      case 'dev':
        return await dev(rest, env, io);
      case 'start':
        return await start(rest, env, io);
      case 'status':
        return await status(rest, env, io);
      case 'list':
        return await list(rest, env, io);
      case 'logs':
        return await logs(rest, env, io);
      case 'approvals':
        return await approvals(rest, env, io);
      case 'approve':
        return await approve(rest, env, io);
      case 'reject':
        return await reject(rest, env, io);
      case 'redrive':
        return await redrive(rest, env, io);
      case 'asl':
        return await asl(rest, env, io);
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
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.error(`stepwise: ${error.message}. Run "stepwise help" for usage.`);
    return ExitCode.BadUsage;
  }
  io.error(`stepwise: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return ExitCode.RunFailed;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
