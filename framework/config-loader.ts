import { existsSync } from 'node:fs';
import path from 'node:path';
import { isConfig, type StepwiseConfig } from './config';
import { ConfigDefinitionError, StepwiseError } from './errors';
import { UserFileLimits, regularFileProblem } from './user-files';

/** A config file loaded at run time. */
export interface LoadedConfig {
  readonly config: StepwiseConfig;
  /** Absolute path of the file it came from. */
  readonly path: string;
}

/** File names looked for, in order, when no config file is named. */
export const CONFIG_FILE_NAMES = ['stepwise.config.ts', 'stepwise.config.mts', 'stepwise.config.js', 'stepwise.config.mjs', 'stepwise.config.cjs'] as const;

/**
 * Loads a TypeScript (or JavaScript) config file at run time. Its default export must be the
 * result of `defineConfig`. `import … from 'stepwise-agents'` inside it resolves like any package import.
 *
 * @example
 * const { config } = await loadConfig('stepwise.config.ts');
 * const agent = config.agent('research');
 */
export async function loadConfig(file?: string, options: { cwd?: string; aliases?: Record<string, string> } = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const configPath = file ? path.resolve(cwd, file) : CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find((candidate) => existsSync(candidate));
  if (!configPath) {
    throw new ConfigDefinitionError(`No config file found in ${cwd} (looked for ${CONFIG_FILE_NAMES.join(', ')}). Pass --config <file>.`, { field: 'config' });
  }
  if (!existsSync(configPath)) {
    throw new ConfigDefinitionError(`Config file not found: ${configPath}`, { field: 'config' });
  }
  // jiti reads the whole file: a device, a pipe or a huge file would hang or exhaust the process.
  const problem = regularFileProblem(configPath, UserFileLimits.configBytes, { what: 'a config file' });
  if (problem) throw new ConfigDefinitionError(`Cannot load config: ${problem}. Pass the path of your stepwise.config.ts.`, { field: 'config' });
  // Loaded on first use: a process that loads a compiled config never pays for the TypeScript loader.
  const { createJiti } = require('jiti') as typeof import('jiti');
  const jiti = createJiti(configPath, { alias: options.aliases, moduleCache: true, fsCache: false });
  let loaded: unknown;
  try {
    // The synchronous form transpiles to CommonJS and needs no dynamic import(), so it also works
    // inside test runners' module sandboxes. A config therefore cannot use top-level await.
    const module = jiti(configPath) as { default?: unknown } | undefined;
    loaded = module && typeof module === 'object' && 'default' in module ? module.default : module;
  } catch (error) {
    if (error instanceof StepwiseError) throw error;
    throw new ConfigDefinitionError(`Could not load config ${configPath}: ${(error as Error)?.message ?? String(error)}`, { field: 'config', cause: error });
  }
  if (!isConfig(loaded)) {
    throw new ConfigDefinitionError(`Config ${configPath} must default-export defineConfig({ agents: [...] }) (export default defineConfig(...))`, { field: 'config' });
  }
  return { config: loaded, path: configPath };
}

/**
 * Loads a config compiled ahead of time to CommonJS (what `stepwise dev` writes to
 * `.stepwise/build/<build id>/config.cjs`, or an image's build step): a plain `require`, with no TypeScript
 * toolchain. `sourcePath` is the config it was compiled from, whose folder relative paths in the
 * config start from.
 *
 * @example
 * const { config } = loadCompiledConfig('/app/dist/stepwise.config.cjs', '/app/stepwise.config.ts');
 */
export function loadCompiledConfig(compiledPath: string, sourcePath: string): LoadedConfig {
  let loaded: unknown;
  try {
    const module = require(compiledPath) as { default?: unknown } | undefined;
    loaded = module && typeof module === 'object' && 'default' in module ? module.default : module;
  } catch (error) {
    if (error instanceof StepwiseError) throw error;
    throw new ConfigDefinitionError(`Could not load the compiled config ${compiledPath} (compiled from ${sourcePath}): ${(error as Error)?.message ?? String(error)}`, { field: 'config', cause: error });
  }
  if (!isConfig(loaded)) {
    throw new ConfigDefinitionError(`Config ${sourcePath} (compiled to ${compiledPath}) must default-export defineConfig({ agents: [...] }) (export default defineConfig(...))`, { field: 'config' });
  }
  return { config: loaded, path: sourcePath };
}
