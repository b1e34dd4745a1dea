import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { bundledCorpusDir, type StepwiseConfig, type ToolWorkspace } from '../framework';
import { UsageError } from './errors';

/** Resolves the tools' workspace: `--corpus`, then STEPWISE_CORPUS_DIR, then the config, then the bundled corpus. */
export function resolveWorkspace(options: { corpus?: string; envCorpus?: string; config: StepwiseConfig; configPath: string; cwd: string }): ToolWorkspace {
  let corpusDir = bundledCorpusDir();
  if (options.corpus) corpusDir = path.resolve(options.cwd, options.corpus);
  else if (options.envCorpus) corpusDir = path.resolve(options.cwd, options.envCorpus);
  else if (options.config.corpusDir) corpusDir = path.resolve(path.dirname(options.configPath), options.config.corpusDir);
  if (!existsSync(corpusDir) || !statSync(corpusDir).isDirectory()) {
    throw new UsageError(`Corpus folder not found: ${corpusDir} (give --corpus a folder of .md/.txt files)`);
  }
  return { corpusDir, outboxDir: path.resolve(options.cwd, '.stepwise', 'outbox') };
}
