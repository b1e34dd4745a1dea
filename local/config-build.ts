import { buildSync, type BuildFailure, type Metafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { LocalEngineConfigError } from './errors';

/** Files of the compiled configs under the engine's root: `<root>/build/<build id>/config.cjs`. */
export const ConfigBuildFiles = {
  folder: 'build',
  /** The config and everything it imports from the project, as one CommonJS file. */
  compiled: 'config.cjs',
  /** What it was compiled from: the config file, the project files it imports and their hashes. */
  manifest: 'build.json',
} as const;

/** One compilation of a config: what a container `require`s, and what it was made from. */
export interface ConfigBuild {
  /** A hash of the compiled code: the same sources compile to the same build. */
  readonly id: string;
  /** `<root>/build/<id>/config.cjs`. */
  readonly compiledPath: string;
  /** The config file it was compiled from (absolute). */
  readonly configPath: string;
  /** SHA-256 of the config file's contents as compiled (what `/health` reports). */
  readonly configHash: string;
  /** Each project file it was compiled from (the config and what it imports, not packages), absolute, with a hash of its contents. */
  readonly inputs: Readonly<Record<string, string>>;
}

/** A config that does not compile; `file` is the project file esbuild points at. */
export class ConfigCompileError extends LocalEngineConfigError {
  /** The file esbuild stopped in (absolute). */
  readonly file?: string;
  /** `file:line:column` as esbuild reports it, relative to the config's folder. */
  readonly where?: string;
  /** What is wrong there. */
  readonly text: string;
  constructor(text: string, options: { file?: string; where?: string; cause?: unknown } = {}) {
    super(options.where ? `${options.where}: ${text}` : text, { field: 'config', cause: options.cause });
    this.file = options.file;
    this.where = options.where;
    this.text = text;
  }
}

/**
 * Points each package import of the compiled file (`require("stepwise-agents")`) at the file it resolves
 * to from the file that imports it — not from the build folder, which may be anywhere — so the
 * compiled config loads the very modules the container loads: one copy of `stepwise-agents`.
 */
function resolvePackageImports(code: string, metafile: Metafile, workingDir: string): string {
  const resolved = new Map<string, string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const { path: specifier, external } of imports) {
      if (!external || resolved.has(specifier) || isBuiltin(specifier) || specifier.startsWith('.') || path.isAbsolute(specifier)) continue;
      resolved.set(specifier, require.resolve(specifier, { paths: [path.dirname(path.resolve(workingDir, input))] }));
    }
  }
  return code.replace(/require\("([^"]+)"\)/g, (call, specifier: string) => {
    const file = resolved.get(specifier);
    return file ? `require(${JSON.stringify(file)})` : call;
  });
}

const sha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');

function writeAtomically(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/** esbuild's first error as one line, `file:line:column: text`, and the file it is in. */
function compileFailure(error: unknown, workingDir: string): ConfigCompileError {
  const first = (error as Partial<BuildFailure>).errors?.[0];
  if (!first) return new ConfigCompileError(`the config could not be compiled: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  if (!first.location) return new ConfigCompileError(first.text, { cause: error });
  const { file, line, column } = first.location;
  return new ConfigCompileError(first.text, { file: path.resolve(workingDir, file), where: `${file}:${line}:${column}`, cause: error });
}

/**
 * Compiles a TypeScript config and the project files it imports into one CommonJS file,
 * `<root>/build/<id>/config.cjs`, so a container `require`s it instead of loading a TypeScript
 * toolchain at start (about a second on a busy machine), and so an execution keeps the code it
 * started with while the config is edited: each build has its own folder, named by a hash of the
 * compiled code. Packages (`stepwise-agents`, `zod`…) stay imports.
 *
 * @throws ConfigCompileError naming the file and line esbuild stopped at.
 * @example
 * const build = buildConfig('/project/stepwise.config.ts', '/project/.stepwise');
 * // the container gets STEPWISE_CONFIG_COMPILED=<build.compiledPath>
 */
export function buildConfig(configPath: string, root: string): ConfigBuild {
  const source = path.resolve(configPath);
  const workingDir = path.dirname(source);
  const configHash = sha256(readFileSync(source));
  let result;
  try {
    result = buildSync({
      entryPoints: [source],
      absWorkingDir: workingDir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      // As the runtime loader does: packages resolve as Node resolves them, not through tsconfig "paths".
      tsconfigRaw: {},
      metafile: true,
      write: false,
      logLevel: 'silent',
      outfile: path.join(root, ConfigBuildFiles.folder, 'config.cjs'),
    });
  } catch (error) {
    throw compileFailure(error, workingDir);
  }
  const code = resolvePackageImports(result.outputFiles[0].text, result.metafile, workingDir);
  const id = sha256(`${source}\n${code}`).slice(0, 16);
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(workingDir, input);
    if (existsSync(file)) inputs[file] = sha256(readFileSync(file));
  }
  const folder = path.join(root, ConfigBuildFiles.folder, id);
  const compiledPath = path.join(folder, ConfigBuildFiles.compiled);
  const build: ConfigBuild = { id, compiledPath, configPath: source, configHash, inputs };
  if (!existsSync(compiledPath)) {
    mkdirSync(folder, { recursive: true });
    writeAtomically(path.join(folder, ConfigBuildFiles.manifest), JSON.stringify(build));
    writeAtomically(compiledPath, code);
  }
  return build;
}

/**
 * A build compiled earlier (by this engine or one before it), read back from its folder, or
 * undefined when it is gone or incomplete.
 *
 * @example
 * const pinned = readConfigBuild('/project/.stepwise', '3f2a9c0e1b7d4a55');
 */
export function readConfigBuild(root: string, id: string): ConfigBuild | undefined {
  if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
  const folder = path.join(root, ConfigBuildFiles.folder, id);
  try {
    const build = JSON.parse(readFileSync(path.join(folder, ConfigBuildFiles.manifest), 'utf8')) as ConfigBuild;
    return existsSync(build.compiledPath) && build.id === id ? build : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the build folders under `<root>/build/` that are not in `keep`, and what earlier
 * versions left there (a single `config.cjs`), so builds no execution can run on any more do not pile up.
 *
 * @example
 * removeConfigBuilds('/project/.stepwise', new Set([current.id, ...pinnedIds]));
 */
export function removeConfigBuilds(root: string, keep: ReadonlySet<string>): string[] {
  const folder = path.join(root, ConfigBuildFiles.folder);
  if (!existsSync(folder)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(folder)) {
    if (keep.has(entry)) continue;
    rmSync(path.join(folder, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
