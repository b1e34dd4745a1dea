import Module from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A package entry the container bundle carries and lends to the code it loads (the user's config):
 * `require` of that entry, from any file of the process, gets the bundle's instance.
 */
export interface HostedModule {
  /** The package's name, as in its `package.json`. */
  readonly packageName: string;
  /** The package's version the bundle was built from: another version is not lent, it loads as it would anywhere. */
  readonly version: string;
  /** The specifier a program writes (`stepwise-agents/tools`). */
  readonly specifier: string;
  /** The file that specifier resolves to, relative to the package's root (`dist/tools/index.js`). */
  readonly file: string;
  /** The bundle's instance, made on first use. */
  readonly load: () => unknown;
}

interface OwningPackage {
  readonly root: string;
  readonly name: string;
  readonly version: string;
}

type LoadFunction = (request: string, parent: unknown, isMain: boolean) => unknown;
type ResolveFunction = (request: string, parent: unknown, isMain: boolean) => string;
interface ModuleInternals {
  _load: LoadFunction;
  _resolveFilename: ResolveFunction;
}

/** The package a file belongs to: the nearest `package.json` above it that has a name. */
function owningPackage(file: string, manifests: Map<string, OwningPackage | null>): OwningPackage | undefined {
  const visited: string[] = [];
  let found: OwningPackage | null = null;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const known = manifests.get(dir);
    if (known !== undefined) {
      found = known;
      break;
    }
    visited.push(dir);
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof manifest.name === 'string') {
        found = { root: dir, name: manifest.name, version: typeof manifest.version === 'string' ? manifest.version : '' };
        break;
      }
    } catch {
      // No package.json here (or not one that names a package): keep walking up.
    }
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of visited) manifests.set(dir, found);
  return found ?? undefined;
}

/** Bare package specifiers (`zod`, `@scope/name/sub`) and absolute paths; relative requests and `node:` built-ins are never lent. */
function mayBeHosted(request: string): boolean {
  if (path.isAbsolute(request)) return true;
  return !request.startsWith('.') && !request.startsWith('node:') && !Module.isBuiltin(request);
}

/**
 * Makes the bundle's own instance of each hosted module the one every `require` in this process
 * gets, whoever asks and however it was compiled: `require("stepwise-agents")` in a config
 * compiled with esbuild's `--packages=external`, the absolute path the local engine's config
 * build writes, or jiti loading a config from source. Without it a bundled container that loads
 * a separately compiled config holds two copies of the framework: the config's `defineTool`
 * errors would not be the runner's `StepwiseError`, and an `instanceof` on either side would lie.
 *
 * A request is lent the bundle's instance when it resolves to the hosted entry file of a package
 * with the same name and version, or when it is the hosted specifier and resolves to nothing (an
 * image that ships the bundle without `node_modules/`). Anything else loads as Node loads it.
 * Returns a function that removes the hook.
 *
 * @example
 * const uninstall = hostModules([{ packageName: 'zod', version: '4.6.7', specifier: 'zod', file: 'index.cjs', load: () => require('zod') }]);
 */
export function hostModules(hosted: readonly HostedModule[]): () => void {
  const internals = Module as unknown as ModuleInternals;
  const originalLoad = internals._load;
  const bySpecifier = new Map(hosted.map((entry) => [entry.specifier, entry]));
  const manifests = new Map<string, OwningPackage | null>();
  const byFile = new Map<string, HostedModule | null>();

  const hostedFile = (filename: string): HostedModule | undefined => {
    const known = byFile.get(filename);
    if (known !== undefined) return known ?? undefined;
    const owner = owningPackage(filename, manifests);
    const relative = owner && path.relative(owner.root, filename).split(path.sep).join('/');
    const entry = owner && hosted.find((candidate) => candidate.packageName === owner.name && candidate.version === owner.version && candidate.file === relative);
    byFile.set(filename, entry ?? null);
    return entry;
  };

  internals._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
    if (!isMain && typeof request === 'string' && mayBeHosted(request)) {
      let filename: string | undefined;
      try {
        filename = internals._resolveFilename(request, parent, isMain);
      } catch (error) {
        const named = bySpecifier.get(request);
        if (named && (error as { code?: string }).code === 'MODULE_NOT_FOUND') return named.load();
        throw error;
      }
      const entry = hostedFile(filename);
      if (entry) return entry.load();
    }
    return originalLoad.call(this, request, parent, isMain);
  };
  return () => {
    internals._load = originalLoad;
  };
}
