import { existsSync } from 'node:fs';
import path from 'node:path';
import { createJiti } from 'jiti';
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
 * result of `defineConfig`. `import … from 'stepwise'` inside it resolves like any package import.
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
