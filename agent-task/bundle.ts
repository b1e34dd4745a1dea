import { hostModules, type HostedModule } from './module-host';

/**
 * What the bundle was built from, written in by `scripts/build-agent-bundle.js` (esbuild `define`):
 * the versions and entry files of the packages it lends to the config.
 */
export interface BundleManifest {
  /** `stepwise-agents`' version, and the file each of its lent entries resolves to (`exports` of its package.json). */
  readonly stepwise: { readonly version: string; readonly files: Readonly<Record<HostedStepwiseEntry, string>> };
  /** zod's version and the file `require("zod")` resolves to, relative to its package. */
  readonly zod: { readonly version: string; readonly file: string };
}

/** The entries of `stepwise-agents` a config imports, which the bundle lends: the framework, the Lambda-safe subset and the bundled tools. */
export type HostedStepwiseEntry = 'stepwise-agents' | 'stepwise-agents/lambda' | 'stepwise-agents/tools';

declare const STEPWISE_BUNDLE_MANIFEST: BundleManifest | undefined;

/**
 * The modules the bundle lends, each loaded on first use from inside the bundle (static
 * `require`s, so esbuild bundles them; the tools and their corpus index load only if the config
 * imports `stepwise-agents/tools`).
 *
 * @example
 * const framework = hostedModules(bundleManifest!).find((hosted) => hosted.specifier === 'stepwise-agents')!.load();
 */
export function hostedModules(manifest: BundleManifest): HostedModule[] {
  const stepwise = (specifier: HostedStepwiseEntry, load: () => unknown): HostedModule => ({
    packageName: 'stepwise-agents',
    version: manifest.stepwise.version,
    specifier,
    file: manifest.stepwise.files[specifier],
    load,
  });
  return [
    stepwise('stepwise-agents', () => require('../framework')),
    stepwise('stepwise-agents/lambda', () => require('../framework/lambda')),
    stepwise('stepwise-agents/tools', () => require('../tools')),
    { packageName: 'zod', version: manifest.zod.version, specifier: 'zod', file: manifest.zod.file, load: () => require('zod') },
  ];
}

/** The manifest written in at build time; undefined when this file runs unbundled (from `dist/` or sources), where no lending is needed. */
export const bundleManifest: BundleManifest | undefined = typeof STEPWISE_BUNDLE_MANIFEST === 'undefined' ? undefined : STEPWISE_BUNDLE_MANIFEST;

// The container program as one file (dist/agent-task/container.cjs, which bundle.cjs, built from
// start.ts, loads). The config is compiled on its own (the engine's config build, or the image's build step) and keeps its package imports; this
// hook makes those imports the bundle's own instances, so the process holds one framework.
if (bundleManifest) hostModules(hostedModules(bundleManifest));

/**
 * Loads what a container loads before its turn (the framework, zod, the turn's modules): the build
 * step runs it to write the code cache.
 *
 * @example
 * writeCodeCache(containerFile, (exports) => exports.warmUp());
 */
export function warmUp(): void {
  require('./environment');
  require('./turn');
  if (bundleManifest) hostedModules(bundleManifest).find((hosted) => hosted.specifier === 'stepwise-agents')!.load();
}

/** Runs the container and sets the exit code: what `node dist/agent-task/bundle.cjs` does (`start.ts` calls it). */
export { start } from './main';
