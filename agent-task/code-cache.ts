import Module from 'node:module';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

/** The V8 code cache of a file: beside it, with this suffix. */
export const CODE_CACHE_SUFFIX = '.v8cache';

/** A CommonJS file loaded through `loadWithCodeCache`. */
export interface CachedModule {
  readonly exports: Record<string, unknown>;
  /** True when a cache was there but V8 refused it (another Node version or other V8 flags): the file was compiled from its text. */
  readonly cacheRejected: boolean;
  /** The code cache as it stands now: the functions compiled so far included. */
  createCache(): Buffer;
}

interface ModuleInternals {
  _cache: Record<string, Module>;
  _nodeModulePaths(from: string): string[];
  wrap(source: string): string;
}

/**
 * The first and last text of a file the build writes for `loadWithCodeCache`: the CommonJS module
 * as a function expression with the parameters Node gives a module, called at once when Node
 * `require`s the file (top-level `this` is then `module.exports`), left as the script's value when
 * `loadWithCodeCache` runs it as a script (top-level `this` is the global object there). So the
 * loader compiles the file's own text, and V8 holds the source (0.8 MB) once; joining it to a wrapper
 * at load time (`Module.wrap`) left a second copy in the heap for the life of the process.
 */
export const WRAPPED_MODULE = {
  head: '(this === globalThis ? (module) => module : (module) => module.call(exports, exports, require, module, __filename, __dirname))(function (exports, require, module, __filename, __dirname) {',
  tail: '\n});',
} as const;

/**
 * Loads a CommonJS file as `require` would, but compiles it with the V8 code cache written beside
 * it at build time (`<file>.v8cache`), so the bundle is not parsed and compiled again at every
 * container start. Without a cache, or with one V8 refuses (another Node version or other V8
 * flags), the file is compiled from its text: slower, never wrong. The module is registered under
 * its path, so a later `require` of the file gets the same instance. A file the build wrapped
 * (`WRAPPED_MODULE`) is compiled as it is; any other is wrapped here, as Node does.
 *
 * @example
 * const container = loadWithCodeCache(path.join(__dirname, 'container.cjs'), module);
 */
export function loadWithCodeCache(file: string, parent: NodeModule): CachedModule {
  const internals = Module as unknown as ModuleInternals;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(file + CODE_CACHE_SUFFIX);
  } catch {
    cachedData = undefined;
  }
  // Latin-1: the build escapes every character outside ASCII, and decoding the whole file as Latin-1 skips UTF-8's validation.
  const text = readFileSync(file, 'latin1');
  const script = new vm.Script(text.startsWith(WRAPPED_MODULE.head) ? text : internals.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    // `import()` inside the file (the AWS SDK imports node:http that way) resolves as in any module.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const loaded = new Module(file, parent as unknown as Module);
  loaded.filename = file;
  loaded.paths = internals._nodeModulePaths(path.dirname(file));
  internals._cache[file] = loaded;
  const compiled = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: Module, filename: string, dirname: string) => void;
  try {
    compiled.call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, path.dirname(file));
  } catch (error) {
    delete internals._cache[file];
    throw error;
  }
  loaded.loaded = true;
  return {
    exports: loaded.exports as Record<string, unknown>,
    cacheRejected: cachedData !== undefined && script.cachedDataRejected === true,
    createCache: () => script.createCachedData(),
  };
}

/**
 * Writes the code cache of a file (the build step: `scripts/build-agent-bundle.js` runs it in a
 * fresh Node process, the Node that will run the file). `warmUp` runs what a start runs, so the
 * functions it compiles are in the cache too.
 *
 * @example
 * writeCodeCache('/app/dist/agent-task/container.cjs', (exports) => exports.warmUp());
 */
export function writeCodeCache(file: string, warmUp: (exports: Record<string, unknown>) => void): void {
  rmSync(file + CODE_CACHE_SUFFIX, { force: true });
  const loaded = loadWithCodeCache(file, module);
  warmUp(loaded.exports);
  const temporary = `${file}${CODE_CACHE_SUFFIX}.${process.pid}.tmp`;
  writeFileSync(temporary, loaded.createCache());
  renameSync(temporary, file + CODE_CACHE_SUFFIX);
}
