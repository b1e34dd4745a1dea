import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliEnvironment } from '../environment';
import { ExitCode, UsageError } from '../errors';
import type { CliIo } from '../io';

/** The scaffold's files are kept in the package under this folder (shipped through `files`). */
const TEMPLATE = path.join('templates', 'project');

/**
 * Files npm would drop or rename when publishing (`.gitignore` becomes `.npmignore`) are kept in
 * the template with a leading underscore and get their dot back in the project.
 */
const DOTFILES: Readonly<Record<string, string>> = { _gitignore: '.gitignore', _dockerignore: '.dockerignore' };

/** The scaffold's dependencies, at the versions this package is built and tested with. */
const PINNED = {
  __ZOD__: 'zod',
  __TYPES_JEST__: '@types/jest',
  __TYPES_NODE__: '@types/node',
  __AWS_CDK__: 'aws-cdk',
  __AWS_CDK_LIB__: 'aws-cdk-lib',
  __CONSTRUCTS__: 'constructs',
  __ESBUILD__: 'esbuild',
  __JEST__: 'jest',
  __TS_JEST__: 'ts-jest',
  __TS_NODE__: 'ts-node',
  __TYPESCRIPT__: 'typescript',
} as const;

/** npm's rules for a package name, which the scaffold's folder name becomes. */
const NPM_NAME = /^[a-z0-9][a-z0-9._-]{0,213}$/;

interface PackageInfo {
  readonly root: string;
  readonly version: string;
  readonly ranges: Readonly<Record<string, string>>;
}

/** The stepwise-agents package this command runs from: its folder, version and dependency ranges. */
function ownPackage(): PackageInfo {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && existsSync(path.join(directory, TEMPLATE))) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      return { root: directory, version: pkg.version, ranges: { ...pkg.devDependencies, ...pkg.dependencies } };
    }
    if (path.dirname(directory) === directory) throw new Error(`The project template (${TEMPLATE}) is missing from the stepwise-agents package: reinstall it`);
  }
}

function templateFiles(directory: string, prefix = ''): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(path.join(directory, entry.name), path.join(prefix, entry.name)) : [path.join(prefix, entry.name)],
  );
}

function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/__[A-Z_]+__/g, (placeholder) => values[placeholder] ?? placeholder);
}

/**
 * `stepwise init [dir]`: scaffolds a project that depends on `stepwise-agents`: a config with one
 * agent and one tool of its own, a test, a CDK app, a Dockerfile and a README. The folder must not
 * exist or be empty; the files are written to a sibling folder first and moved into place at once,
 * so a failure leaves nothing half-written.
 *
 * @example
 * await init(['my-agents'], env, io); // then: cd my-agents && npm install && npm start
 */
export async function init(argv: readonly string[], _env: CliEnvironment, io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError(`stepwise init takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const target = path.resolve(io.cwd, positionals[0] ?? '.');
  const name = path.basename(target).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  if (!NPM_NAME.test(name)) throw new UsageError(`Cannot make an npm package name from the folder name "${path.basename(target)}": use letters, digits, ".", "_" or "-"`);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new UsageError(`${target} exists and is not a folder`);
    const present = readdirSync(target);
    if (present.length > 0) {
      throw new UsageError(`${target} is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', …' : ''}): stepwise init writes only into a new or empty folder, so nothing of yours is overwritten`);
    }
  }
  const own = ownPackage();
  const values: Record<string, string> = { __NAME__: name, __VERSION__: own.version };
  for (const [placeholder, dependency] of Object.entries(PINNED)) {
    const range = own.ranges[dependency];
    if (range === undefined) throw new Error(`stepwise-agents ${own.version} names no version of ${dependency} for the project template`);
    values[placeholder] = range;
  }
  const templateRoot = path.join(own.root, TEMPLATE);
  const staging = path.join(path.dirname(target), `.${path.basename(target)}.stepwise-init-${process.pid}`);
  try {
    for (const file of templateFiles(templateRoot)) {
      const destination = path.join(staging, path.dirname(file), DOTFILES[path.basename(file)] ?? path.basename(file));
      mkdirSync(path.dirname(destination), { recursive: true });
      writeFileSync(destination, fill(readFileSync(path.join(templateRoot, file), 'utf8'), values));
    }
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const shown = path.relative(io.cwd, target) || '.';
  io.out(`Created a Stepwise project in ${target} (agent "assistant", tool "count_words").`);
  io.out('');
  io.out('Next:');
  if (shown !== '.') io.out(`  cd ${shown}`);
  io.out('  npm install && npm start    runs the agent through the local engine; no model is configured,');
  io.out('                              so it follows its offline plan (deterministic, not an LLM)');
  io.out('  npm test                    the agent\'s tests');
  io.out('  npm run synth               the CloudFormation template for AWS (npm run deploy to deploy)');
  return ExitCode.Ok;
}
