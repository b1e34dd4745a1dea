import { buildSync, type Metafile } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

/** Files of the compiled config under the engine's root. */
export const ConfigBuildFiles = {
  folder: 'build',
  /** The config and everything it imports from the project, as one CommonJS file. */
  compiled: 'config.cjs',
  /** What it was compiled from: each input's size and modification time, to tell when to compile again. */
  manifest: 'config.json',
} as const;

interface Manifest {
  readonly source: string;
  readonly inputs: Record<string, readonly [size: number, mtimeMs: number]>;
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

function stamp(file: string): readonly [number, number] | undefined {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? [stats.size, stats.mtimeMs] : undefined;
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/**
 * Compiles a TypeScript config and the project files it imports into one CommonJS file under
 * `<root>/build/`, so a container `require`s it instead of loading a TypeScript toolchain at start
 * (about a second on a busy machine). Compiles again only when the config or one of its imports
 * changed (size or modification time), so it is cheap to call before every container start.
 * Packages (`stepwise`, `zod`…) stay imports. Returns the compiled file's path.
 *
 * @throws Error with esbuild's message when the config does not compile.
 * @example
 * const compiled = compileConfig('/project/stepwise.config.ts', '/project/.stepwise');
 * // the container gets STEPWISE_CONFIG_COMPILED=<compiled>
 */
export function compileConfig(configPath: string, root: string): string {
  const folder = path.join(root, ConfigBuildFiles.folder);
  const compiled = path.join(folder, ConfigBuildFiles.compiled);
  const manifestPath = path.join(folder, ConfigBuildFiles.manifest);
  const previous = readManifest(manifestPath);
  const current =
    previous?.source === configPath &&
    stamp(compiled) !== undefined &&
    Object.entries(previous.inputs).every(([input, [size, mtimeMs]]) => {
      const now = stamp(input);
      return now !== undefined && now[0] === size && now[1] === mtimeMs;
    });
  if (current) return compiled;
  const workingDir = path.dirname(configPath);
  const result = buildSync({
    entryPoints: [configPath],
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
    outfile: compiled,
  });
  mkdirSync(folder, { recursive: true });
  const inputs: Manifest['inputs'] = {};
  for (const input of Object.keys(result.metafile!.inputs)) {
    const file = path.resolve(workingDir, input);
    const inputStamp = stamp(file);
    if (inputStamp) inputs[file] = inputStamp;
  }
  writeAtomically(compiled, resolvePackageImports(result.outputFiles![0].text, result.metafile!, workingDir));
  writeAtomically(manifestPath, JSON.stringify({ source: configPath, inputs } satisfies Manifest));
  return compiled;
}
