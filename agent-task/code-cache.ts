import Module from 'node:module';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

/** The V8 code cache of a file: beside it, with this suffix. */
export const CODE_CACHE_SUFFIX = '.v8cache';

/**
 * The V8 flags a container runs with, set by its program before it loads the bundle (and by
 * `writeCodeCache`: V8 refuses a cache written under other flags). A container is a short process
 * that waits on the network most of its life; V8's optimizing and baseline compilers cost it more
 * memory than they save time: without them (and with V8 favouring size in its heap and GC), one
 * container's RSS fell from 66 to 57 MiB on Node 20 with no start or turn time lost that the
 * benchmarks could see (docs/ARCHITECTURE.md, "The container bundle"). Regular expressions keep
 * their compiler (`--jitless` would interpret them, and cannot be set once Node runs).
 */
export const CONTAINER_V8_FLAGS = ['--no-opt', '--no-sparkplug', '--optimize-for-size'] as const;

/**
 * Sets `CONTAINER_V8_FLAGS` in this process. Only the container's own program calls it (and the
 * build, to write the cache): it trades a long-lived process's speed for memory.
 *
 * @example
 * useContainerV8Flags();
 * const container = loadWithCodeCache(path.join(__dirname, 'container.cjs'), module);
 */
export function useContainerV8Flags(): void {
  for (const flag of CONTAINER_V8_FLAGS) v8.setFlagsFromString(flag);
}

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
 * loader compiles the file's own text, and V8 holds the 2 MB source once; joining it to a wrapper
 * at load time (`Module.wrap`) left a second copy in the heap for the life of the process.
 */
export const WRAPPED_MODULE = {
  head: '(this === globalThis ? (module) => module : (module) => module.call(exports, exports, require, module, __filename, __dirname))(function (exports, require, module, __filename, __dirname) {',
  tail: '\n});',
} as const;

/**
 * Loads a CommonJS file as `require` would, but compiles it with the V8 code cache written beside
 * it at build time (`<file>.v8cache`), so a 2 MB bundle is not parsed and compiled again at every
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
  // Latin-1: the build escapes every character outside ASCII, and decoding 2 MB as Latin-1 skips UTF-8's validation.
  const text = readFileSync(file, 'latin1');
  const script = new vm.Script(text.startsWith(WRAPPED_MODULE.head) ? text : internals.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    // `import()` inside the file (the AWS SDK imports node:http that way) resolves as in any module.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cacheRejected = cachedData !== undefined && script.cachedDataRejected === true;
  // Not needed once compiled: let the young generation's next scavenge free its 2 MB, rather than
  // a reference kept through the module's evaluation promoting it to the old one (freed at a full GC, which a container seldom reaches).
  cachedData = undefined;
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
    cacheRejected,
    createCache: () => script.createCachedData(),
  };
}

/**
 * Writes the code cache of a file (the build step: `scripts/build-agent-bundle.js` runs it in a
 * fresh Node process, the Node that will run the file), under the flags the container runs with
 * (`CONTAINER_V8_FLAGS`, set here in this process). `warmUp` runs what a start runs, so the
 * functions it compiles are in the cache too.
 *
 * @example
 * writeCodeCache('/app/dist/agent-task/container.cjs', (exports) => exports.warmUp());
 */
export function writeCodeCache(file: string, warmUp: (exports: Record<string, unknown>) => void): void {
  rmSync(file + CODE_CACHE_SUFFIX, { force: true });
  useContainerV8Flags();
  const loaded = loadWithCodeCache(file, module);
  warmUp(loaded.exports);
  const temporary = `${file}${CODE_CACHE_SUFFIX}.${process.pid}.tmp`;
  writeFileSync(temporary, loaded.createCache());
  renameSync(temporary, file + CODE_CACHE_SUFFIX);
}
