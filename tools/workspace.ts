import { bundledCorpusDir, ToolWorkspaceDefaults, type ToolWorkspace } from './shared/framework';

export { bundledCorpusDir };

/**
 * A workspace for the bundled tools: the bundled corpus and the default outbox, with any field
 * overridden.
 *
 * @example
 * const workspace = defaultWorkspace({ outboxDir: './reports' });
 */
export function defaultWorkspace(overrides: Partial<ToolWorkspace> = {}): ToolWorkspace {
  return {
    corpusDir: overrides.corpusDir ?? bundledCorpusDir(),
    outboxDir: overrides.outboxDir ?? ToolWorkspaceDefaults.outboxDir,
    ...(overrides.model ? { model: overrides.model } : {}),
  };
}
