import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ToolContext } from './shared/framework';

/**
 * The context of the bundled tools: where they read documents and where they publish. Built once
 * at the edge (the CLI, the agent container through the config's `context`, a tool's Lambda
 * handler at cold start) and given to every call as `ctx.context`.
 */
export interface BundledToolsContext {
  /** Folder of `.md`/`.txt` (and `.csv`) documents that search and the text tools read. */
  readonly corpusDir: string;
  /** Where `publish_report` writes: a folder, or `s3://bucket/prefix`. */
  readonly outboxDir: string;
}

/** What a bundled tool's `execute` receives. */
export type BundledToolContext = ToolContext<BundledToolsContext>;

/** Environment variables the bundled tools' context is read from. */
export const BundledToolsEnv = {
  /** Folder of documents the text tools read. @default the corpus bundled with Stepwise */
  corpusDir: 'STEPWISE_CORPUS_DIR',
  /** Where `publish_report` writes: a folder, or `s3://bucket/prefix`. @default `/tmp/stepwise-outbox` */
  outboxDir: 'STEPWISE_OUTBOX_DIR',
} as const;

/** Defaults used when the environment does not name a folder. */
export const BundledToolsDefaults = {
  outboxDir: '/tmp/stepwise-outbox',
  /** The bundled corpus, relative to the root of the `stepwise-agents` package. */
  corpusPathInPackage: path.join('tools', 'corpus'),
} as const;

/**
 * The bundled tools' context from an environment (`STEPWISE_CORPUS_DIR`, `STEPWISE_OUTBOX_DIR`),
 * with any field overridden; unset or blank variables fall back to the bundled corpus and
 * `/tmp/stepwise-outbox`. Call it where the environment is read: a config's `context`, a handler.
 *
 * @example
 * export default defineConfig({ agents: [research], context: (env) => bundledToolsContext(env) });
 * export const handler = toolHandler(searchDocuments, { context: bundledToolsContext(process.env) });
 */
export function bundledToolsContext(env: Readonly<Record<string, string | undefined>> = {}, overrides: Partial<BundledToolsContext> = {}): BundledToolsContext {
  return {
    corpusDir: overrides.corpusDir ?? nonBlank(env[BundledToolsEnv.corpusDir]) ?? bundledCorpusDir(),
    outboxDir: overrides.outboxDir ?? nonBlank(env[BundledToolsEnv.outboxDir]) ?? BundledToolsDefaults.outboxDir,
  };
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The folder of the corpus bundled with Stepwise (`tools/corpus` at the package root). Found by
 * walking up to the `package.json` named `stepwise-agents`, so it works from sources and from
 * `dist/`. When the package root cannot be found (a bundled Lambda), it is `tools/corpus` under the
 * working directory, where a deployment copies it.
 *
 * @example
 * const corpusDir = bundledCorpusDir(); // '/home/me/stepwise/tools/corpus'
 */
export function bundledCorpusDir(): string {
  const root = findPackageRoot(__dirname, 'stepwise-agents');
  return path.join(root ?? process.cwd(), BundledToolsDefaults.corpusPathInPackage);
}

function findPackageRoot(start: string, packageName: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === packageName) return dir;
      } catch {
        // An unreadable manifest belongs to some other package: keep walking up.
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
