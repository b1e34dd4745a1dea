#!/usr/bin/env node
// Builds the agent container as one file, dist/agent-task/container.cjs (run by `npm run build`
// after tsc, from the compiled dist/agent-task/bundle.js), and its V8 code cache
// (container.cjs.v8cache, written by the Node that runs this script); dist/agent-task/bundle.cjs,
// the program the engine and the images run, is a few lines (agent-task/start.ts) that load it. Node loads one file instead of ~200
// (zod, the framework and its own small AWS client), and the image needs no
// node_modules/. Packages the container loads only on some paths are bundled on their own in
// dist/agent-task/vendor/ and required from there on first use, so a local container never reads
// them: the DynamoDB and S3 clients (AWS stores), the OpenAI SDK, the Bedrock client, compromise,
// the AWS SDK's credential chain (for credentials a container's environment does not hold) and the
// SDK's Step Functions and Lambda clients (the container calls those APIs with framework/aws/).
// zod's translations of its messages (`z.locales`) are there too, read on first use (LAZY_EXPORTS).
// jiti (loading a config from its TypeScript source, a fallback) stays a package import.
// Each file gets a source map (without the sources' text, which is in the package).
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'dist', 'agent-task');

/** Lazily loaded packages → the vendor file that holds them and the property of its exports each one is. */
const VENDOR = {
  '@aws-sdk/client-dynamodb': { file: 'aws-stores.cjs', property: 'dynamodb' },
  '@aws-sdk/lib-dynamodb': { file: 'aws-stores.cjs', property: 'dynamodbDocument' },
  '@aws-sdk/client-s3': { file: 'aws-stores.cjs', property: 's3' },
  '@aws-sdk/client-bedrock-runtime': { file: 'bedrock.cjs' },
  openai: { file: 'openai.cjs' },
  compromise: { file: 'compromise.cjs' },
  '@aws-sdk/credential-provider-node': { file: 'aws-credentials.cjs' },
  '@aws-sdk/client-sfn': { file: 'aws-clients.cjs', property: 'sfn' },
  '@aws-sdk/client-lambda': { file: 'aws-clients.cjs', property: 'lambda' },
};

/** The vendor files: what each one bundles (one package, or several behind one exports object). */
const VENDOR_ENTRIES = {
  'aws-stores.cjs': `module.exports = { dynamodb: require('@aws-sdk/client-dynamodb'), dynamodbDocument: require('@aws-sdk/lib-dynamodb'), s3: require('@aws-sdk/client-s3') };`,
  'bedrock.cjs': `module.exports = require('@aws-sdk/client-bedrock-runtime');`,
  'openai.cjs': `module.exports = require('openai');`,
  'compromise.cjs': `module.exports = require('compromise');`,
  'aws-credentials.cjs': `module.exports = require('@aws-sdk/credential-provider-node');`,
  'aws-clients.cjs': `module.exports = { sfn: require('@aws-sdk/client-sfn'), lambda: require('@aws-sdk/client-lambda') };`,
  'zod-locales.cjs': `module.exports = require('zod/v4/locales');`,
};

/**
 * Modules of a bundled package whose exports stay in the bundle as getters that require a vendor
 * file on first read: `specifier`, imported from a file `importer` matches, becomes such a module
 * for `module`'s export names. zod's 63 translations of its error messages (`z.locales`,
 * `z.core.locales`) are 0.4 MB of zod, which a container reads only when its config picks one;
 * English, zod's default, is imported on its own and stays in the bundle.
 */
const LAZY_EXPORTS = [{ specifier: '../locales/index.cjs', importer: /[\\/]zod[\\/]v4[\\/](classic|core)[\\/][^\\/]+\.cjs$/, module: 'zod/v4/locales', file: 'zod-locales.cjs' }];

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Error names are class names (see docs/ARCHITECTURE.md, Lambda bundles): keep them.
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  // No comments in the output: one character outside Latin-1 in a comment (or a regex) makes V8 hold
  // the whole file as two-byte text, twice the memory.
  minifyWhitespace: true,
  charset: 'ascii',
  logLevel: 'warning',
  absWorkingDir: root,
};

/** The package.json of a package as resolved from the repository. */
function manifestOf(name) {
  const file = require.resolve(`${name}/package.json`, { paths: [root] });
  return { dir: path.dirname(file), json: JSON.parse(readFileSync(file, 'utf8')) };
}

/** What the bundle lends the config (agent-task/bundle.ts, `BundleManifest`): versions and entry files. */
function bundleManifest() {
  const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entry = (subpath) => {
    const exported = own.exports[subpath];
    return (typeof exported === 'string' ? exported : exported.default).replace(/^\.\//, '');
  };
  const zod = manifestOf('zod');
  const zodEntry = require.resolve('zod', { paths: [root] });
  return {
    stepwise: { version: own.version, files: { 'stepwise-agents': entry('.'), 'stepwise-agents/lambda': entry('./lambda'), 'stepwise-agents/tools': entry('./tools') } },
    zod: { version: zod.json.version, file: path.relative(zod.dir, zodEntry).split(path.sep).join('/') },
  };
}

/** Points each lazily loaded package at its vendor file, required from beside the bundle. */
const vendorPlugin = {
  name: 'stepwise-vendor',
  setup(build) {
    const names = Object.keys(VENDOR).map((name) => name.replace(/[/.-]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'stepwise-vendor' }));
    build.onLoad({ filter: /.*/, namespace: 'stepwise-vendor' }, (args) => {
      const { file, property } = VENDOR[args.path];
      const access = property ? `.${property}` : '';
      return { contents: `module.exports = require(${JSON.stringify(`./vendor/${file}`)})${access};`, loader: 'js' };
    });
    build.onResolve({ filter: /^\.\/vendor\// }, (args) => (args.namespace === 'stepwise-vendor' ? { path: args.path, external: true } : undefined));
  },
};

/** Resolves each `LAZY_EXPORTS` import to getters over its vendor file (required from beside the bundle). */
const lazyExportsPlugin = {
  name: 'stepwise-lazy-exports',
  setup(build) {
    for (const [index, lazy] of LAZY_EXPORTS.entries()) {
      const filter = new RegExp(`^${lazy.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      build.onResolve({ filter }, (args) => (lazy.importer.test(args.importer) ? { path: String(index), namespace: 'stepwise-lazy' } : undefined));
    }
    build.onLoad({ filter: /.*/, namespace: 'stepwise-lazy' }, (args) => {
      const lazy = LAZY_EXPORTS[Number(args.path)];
      const names = Object.keys(require(require.resolve(lazy.module, { paths: [root] })));
      const contents = [
        'Object.defineProperty(exports, "__esModule", { value: true });',
        'let loaded;',
        `const load = () => loaded || (loaded = require(${JSON.stringify(`./vendor/${lazy.file}`)}));`,
        `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
      ].join('\n');
      return { contents, loader: 'js' };
    });
    build.onResolve({ filter: /^\.\/vendor\// }, (args) => (args.namespace === 'stepwise-lazy' ? { path: args.path, external: true } : undefined));
  },
};

/**
 * esbuild escapes what is outside ASCII in strings but not in regular expression literals (the
 * tools' text patterns: ’ … “”): escaped here, as \\u escapes mean the same character there.
 * Otherwise V8 holds the whole file as two-byte text, 2 bytes a character for its lifetime.
 */
function escapeNonAscii(file) {
  const text = readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(text)) return;
  writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

async function main() {
  const manifest = bundleManifest();
  // Wrapped as a function expression (agent-task/code-cache.ts, WRAPPED_MODULE): the loader
  // compiles the file's own text, so V8 holds it once.
  const { WRAPPED_MODULE } = require(path.join(target, 'code-cache.js'));
  const result = await esbuild.build({
    ...common,
    entryPoints: [path.join(target, 'bundle.js')],
    outfile: path.join(target, 'container.cjs'),
    banner: { js: WRAPPED_MODULE.head },
    footer: { js: WRAPPED_MODULE.tail },
    external: ['jiti'],
    define: { STEPWISE_BUNDLE_MANIFEST: JSON.stringify(manifest) },
    plugins: [vendorPlugin, lazyExportsPlugin],
    metafile: true,
  });
  // A zod that imports its translations another way would bring them back into the bundle unseen.
  const translations = Object.keys(result.metafile.inputs).filter((input) => /[\\/]zod[\\/]v4[\\/]locales[\\/](?!en\.c?js$)/.test(input));
  if (translations.length > 0) throw new Error(`zod's translations went into the container bundle (${translations.slice(0, 3).join(', ')}…): LAZY_EXPORTS no longer matches how zod ${manifest.zod.version} imports them`);
  await Promise.all(
    Object.entries(VENDOR_ENTRIES).map(([file, contents]) =>
      esbuild.build({ ...common, stdin: { contents, resolveDir: root, sourcefile: `vendor/${file}`, loader: 'js' }, outfile: path.join(target, 'vendor', file) }),
    ),
  );
  await esbuild.build({ ...common, entryPoints: [path.join(target, 'start.js')], outfile: path.join(target, 'bundle.cjs') });
  for (const file of ['container.cjs', ...Object.keys(VENDOR_ENTRIES).map((name) => path.join('vendor', name))]) escapeNonAscii(path.join(target, file));
  // In a fresh process, as a container starts: load, warm up (what a start runs), write the cache.
  const container = path.join(target, 'container.cjs');
  const script = `require(${JSON.stringify(path.join(target, 'code-cache.js'))}).writeCodeCache(${JSON.stringify(container)}, (exports) => exports.warmUp());`;
  const cached = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (cached.status !== 0) throw new Error(`writing the code cache of ${container} failed:\n${cached.stderr}`);
  const bytes = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('container.cjs'))[1].bytes;
  process.stdout.write(`dist/agent-task/container.cjs: ${(bytes / 1024 / 1024).toFixed(1)} MB (stepwise-agents ${manifest.stepwise.version}, zod ${manifest.zod.version}), with its V8 code cache\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
