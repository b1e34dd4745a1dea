import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { BundledToolsEnv, bundledCorpusDir } from '../tools/workspace';
import { UsageError } from './errors';

/**
 * The variables the CLI sets for the tools' context wherever it runs them (in process, in the
 * local engine's containers and tool functions): a config's `context` reads them, as the demo's
 * `bundledToolsContext(env)` does.
 */
export type ToolEnvironment = Readonly<Record<string, string>>;

/**
 * The corpus and outbox the CLI gives the tools: `--corpus`, then STEPWISE_CORPUS_DIR, then the
 * bundled corpus (it must be a folder); the outbox is the project's `.stepwise/outbox`. They reach
 * the tools as STEPWISE_CORPUS_DIR / STEPWISE_OUTBOX_DIR in the environment of the config's `context`.
 */
export function resolveWorkspace(options: { corpus?: string; envCorpus?: string; cwd: string }): ToolEnvironment {
  let corpusDir = bundledCorpusDir();
  if (options.corpus) corpusDir = path.resolve(options.cwd, options.corpus);
  else if (options.envCorpus) corpusDir = path.resolve(options.cwd, options.envCorpus);
  if (!existsSync(corpusDir) || !statSync(corpusDir).isDirectory()) {
    throw new UsageError(`Corpus folder not found: ${corpusDir} (give --corpus a folder of .md/.txt files)`);
  }
  return { [BundledToolsEnv.corpusDir]: corpusDir, [BundledToolsEnv.outboxDir]: path.resolve(options.cwd, '.stepwise', 'outbox') };
}
