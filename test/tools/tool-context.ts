import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledCorpusDir, type BundledToolContext, type BundledToolsContext } from '../../tools/workspace';

/** The corpus shipped in tools/corpus, which these tests read as real text. */
export const corpusDir = bundledCorpusDir();

/** A call context for running a tool's execute directly. */
export function toolContext(workspace: Partial<BundledToolsContext> = {}, overrides: Partial<BundledToolContext> = {}): BundledToolContext {
  return {
    callId: 'call-1',
    idempotencyKey: 'exec-1:call-1',
    executionId: 'exec-1',
    context: { corpusDir, outboxDir: path.join(os.tmpdir(), 'stepwise-test-outbox'), ...workspace },
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A fresh folder holding the given files (name → content). */
export function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-tools-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Runs a tool the way the runner does: arguments validated by its schema first. */
export async function run<Result>(
  tool: { parse(args: unknown): unknown; execute(args: never, context: BundledToolContext): Result | Promise<Result> },
  args: unknown,
  context: BundledToolContext = toolContext(),
): Promise<Result> {
  return tool.execute(tool.parse(args) as never, context);
}
