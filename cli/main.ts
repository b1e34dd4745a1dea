import { StepwiseError } from '../framework';
import { parseRunArguments, runInProcess, runUsage } from './commands/run';
import { readCliEnvironment } from './environment';
import { ExitCode, UsageError } from './errors';
import { processIo, type CliIo } from './io';

const HELP = `Stepwise: long-running AI agents on AWS, and on this machine.

Usage:
  ${runUsage}

Environment:
  OPENAI_BASE_URL, OPENAI_API_KEY   an OpenAI-compatible endpoint for --model openai:<name>
  STEPWISE_MODEL                     default model when the agent and config name none (default: offline)
  STEPWISE_CORPUS_DIR                default folder for --corpus
`;

/** Runs the `stepwise` command and returns its exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const env = readCliEnvironment();
    switch (command) {
      case 'run':
        return await runInProcess(parseRunArguments(rest), env, io);
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
