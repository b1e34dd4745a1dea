import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repositoryRoot } from '../helpers/cli';

/**
 * The published package, as a user gets it: `npm pack` of this repository, installed with the real
 * `npm install` into projects outside it, where `stepwise init` scaffolds a project whose `npm test`,
 * `npm start`, type check and CDK synth must work. Copying files by hand (as the fast init test does)
 * cannot see what `npm pack` leaves out, a `bin` that is not linked, or a dependency that is only a
 * devDependency here; this test can.
 *
 * It needs the npm registry for what the npm cache (filled by `npm ci`) does not hold. Every child
 * process is bounded, and an unreachable registry fails with a message that says so.
 */

/** Upper bounds for each step: far above what they take (see docs/ARCHITECTURE.md), so only a hang trips them. */
const StepTimeoutMs = {
  pack: 120_000,
  install: 420_000,
  command: 60_000,
  npmTest: 240_000,
  start: 240_000,
  typecheck: 240_000,
  synth: 420_000,
} as const;

/** Bounded fetches: one retry after 2 s, so an unreachable registry fails in seconds rather than backing off for minutes. */
const FETCH_FLAGS = ['--fetch-timeout=30000', '--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=2000'] as const;

/** npm settings for every install: the cache first (`npm ci` filled it), no audit or funding calls, bounded fetches. */
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...FETCH_FLAGS] as const;

/** Where npm installs from, as the message about an unreachable registry names it. */
const REGISTRY = process.env.npm_config_registry ?? 'https://registry.npmjs.org/ unless npm is configured otherwise';

/** What npm prints when it cannot reach the registry. */
const UNREACHABLE = /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|network|socket hang up/i;

/** Variables passed on to the children: the user's shell, the npm cache and registry; nothing of this repository, jest or a model. */
const KEPT_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'SHELL', 'NODE_EXTRA_CA_CERTS', 'npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];

/** A clean environment: `npm test` sets `npm_config_local_prefix` (this repository), which would make the children's npm install here. */
function userEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  for (const name of KEPT_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

interface Finished {
  readonly stdout: string;
  readonly stderr: string;
}

const tail = (text: string, lines = 40): string => text.trimEnd().split('\n').slice(-lines).join('\n');

/**
 * Runs one command as a user would, in its own process group so that a timeout stops it and
 * everything it started. Rejects with the command, the exit code and the end of its output.
 */
function run(what: string, command: string, args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: userEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${what}: could not start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!timedOut && code === 0) return resolve({ stdout, stderr });
      const fetches = command === 'npm' && ['install', 'ping'].includes(args[0] ?? '');
      const why = timedOut
        ? `did not finish within ${options.timeoutMs / 1000} s and was stopped${fetches ? `: is the npm registry (${REGISTRY}) reachable?` : ''}`
        : fetches && UNREACHABLE.test(stderr)
          ? `failed (exit code ${code}): npm cannot reach the registry (${REGISTRY}), which this test needs for what the npm cache lacks`
          : `failed (exit code ${code ?? signal})`;
      reject(new Error(`${what} ${why}\n$ (cd ${options.cwd} && ${command} ${args.join(' ')})\n--- stderr ---\n${tail(stderr)}\n--- stdout ---\n${tail(stdout)}`));
    });
  });
}

/** A file of the tarball, as `npm pack --json` lists it. */
interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

/** The task of the scaffold's `npm start` (the quoted argument of its `stepwise run`). */
function startTask(script: string): string {
  const quoted = /"([^"]+)"/.exec(script);
  if (quoted === null) throw new Error(`The scaffold's start script has no quoted task: ${script}`);
  return quoted[1];
}

function javaScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return javaScriptFiles(file);
    return entry.name.endsWith('.js') ? [file] : [];
  });
}

/** The packages a compiled CommonJS file `require`s by name (not Node's own modules, not relative paths), comments left out. */
function requiredPackages(code: string): string[] {
  const withoutComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const names = [...withoutComments.matchAll(/\brequire\((["'])([^"']+)\1\)/g)]
    .map((match) => match[2])
    .filter((specifier) => !specifier.startsWith('.') && !path.isAbsolute(specifier) && !isBuiltin(specifier))
    .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
  return [...new Set(names)];
}

describe('the packed stepwise-agents package, installed outside the repository', () => {
  const ownPackage = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as {
    name: string;
    main: string;
    types: string;
    bin: Record<string, string>;
    exports: Record<string, string | Record<string, string>>;
  };
  let root: string;
  let tarball: string;
  let packed: PackedFile[];
  /** A folder holding only the installed tarball: its dependencies, no devDependencies, no optional peers. */
  let bare: string;
  /** The project `stepwise init` made, with its dependencies installed by npm. */
  let project: string;

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'stepwise-package-')));
    if (!path.relative(repositoryRoot, root).startsWith('..')) throw new Error(`The temporary folder ${root} is inside the repository: set TMPDIR to a folder outside ${repositoryRoot}`);
    // Node looks for packages in every parent's node_modules: one there would hide a missing dependency.
    for (let folder = path.dirname(root); ; folder = path.dirname(folder)) {
      if (existsSync(path.join(folder, 'node_modules'))) throw new Error(`${folder}/node_modules exists: it would supply packages the installed package lacks; set TMPDIR to a folder with no node_modules above it`);
      if (path.dirname(folder) === folder) break;
    }

    // Fail in seconds, saying why, when the registry is unreachable (installs would retry package by package).
    await run('npm ping', 'npm', ['ping', ...FETCH_FLAGS], { cwd: root, timeoutMs: StepTimeoutMs.command });

    // The global setup has just built dist/; the package's own prepack/prepare (a clean build) would
    // rewrite dist/ under the other test files, so the scripts are skipped here.
    const packDir = path.join(root, 'pack');
    mkdirSync(packDir);
    const pack = await run('npm pack', 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: repositoryRoot, timeoutMs: StepTimeoutMs.pack });
    const [summary] = JSON.parse(pack.stdout) as { filename: string; files: PackedFile[] }[];
    tarball = path.join(packDir, summary.filename);
    packed = summary.files;

    bare = path.join(root, 'bare');
    mkdirSync(bare);
    writeFileSync(path.join(bare, 'package.json'), JSON.stringify({ name: 'bare', private: true }));
    await run('npm install of the tarball alone', 'npm', ['install', tarball, ...INSTALL_FLAGS], { cwd: bare, timeoutMs: StepTimeoutMs.install });

    // `npx stepwise init`, from the installed package.
    await run('stepwise init', 'npx', ['--no-install', 'stepwise', 'init', path.join(root, 'my-agents')], { cwd: bare, timeoutMs: StepTimeoutMs.command });
    project = path.join(root, 'my-agents');
    // The scaffold depends on stepwise-agents from the registry; this points it at the tarball and installs the rest.
    await run('npm install in the scaffold', 'npm', ['install', tarball, ...INSTALL_FLAGS], { cwd: project, timeoutMs: StepTimeoutMs.install });
  }, StepTimeoutMs.pack + 2 * StepTimeoutMs.install + 2 * StepTimeoutMs.command + 30_000);

  afterAll(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('packs the entry points, the executable bin and the template, and no tests, benches, state, source maps or demo agents', () => {
    const files = new Map(packed.map((file) => [file.path, file]));
    const targets = [ownPackage.main, ownPackage.types, ...Object.values(ownPackage.bin), ...Object.values(ownPackage.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))];
    for (const target of targets) expect({ target, packed: files.has(path.posix.normalize(target)) }).toEqual({ target, packed: true });
    for (const bin of Object.values(ownPackage.bin)) expect((files.get(path.posix.normalize(bin))!.mode & 0o111) !== 0).toBe(true);
    expect(files.has('templates/project/package.json')).toBe(true);
    const unwanted = [...files.keys()].filter(
      (file) =>
        /^(test|bench|scripts|agents|\.stepwise|cdk\.out|\.ci|node_modules)\//.test(file) ||
        /\.(map|tsbuildinfo)$/.test(file) ||
        (/\.tsx?$/.test(file) && !file.endsWith('.d.ts') && !file.startsWith('templates/')) ||
        // npm drops or renames these: the template keeps them as _gitignore, _dockerignore.
        /(^|\/)\.(gitignore|npmignore|dockerignore)$/.test(file),
    );
    expect(unwanted).toEqual([]);
  });

  it('requires only packages it declares: every package its compiled code loads is a dependency (installed) or a peer dependency', () => {
    const installed = path.join(bare, 'node_modules', 'stepwise-agents');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));
    const peers = new Set(Object.keys(manifest.peerDependencies ?? {}));
    const problems: string[] = [];
    for (const file of javaScriptFiles(path.join(installed, 'dist'))) {
      for (const name of requiredPackages(readFileSync(file, 'utf8'))) {
        const where = path.relative(installed, file);
        // A peer is the user's to install; the package's own name resolves to itself through its exports.
        if (peers.has(name) || name === manifest.name) continue;
        if (!dependencies.has(name)) problems.push(`${where} requires ${name}, which is neither a dependency nor a peer dependency`);
        else if (![path.join(installed, 'node_modules', name), path.join(bare, 'node_modules', name)].some((folder) => existsSync(path.join(folder, 'package.json')))) {
          problems.push(`${where} requires ${name}, which npm did not install with the package`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs without devDependencies or the optional CDK peers: the stepwise bin, and every entry but infra', async () => {
    const help = await run('stepwise --help', path.join(bare, 'node_modules', '.bin', 'stepwise'), ['--help'], { cwd: bare, timeoutMs: StepTimeoutMs.command });
    expect(help.stdout).toMatch(/stepwise init/);
    expect(existsSync(path.join(bare, 'node_modules', 'aws-cdk-lib'))).toBe(false);
    // Each entry loads with require, and with import from an ES module with the same named exports.
    const specifiers = Object.keys(ownPackage.exports)
      .filter((entry) => entry !== './infra' && entry !== './package.json')
      .map((entry) => path.posix.join(ownPackage.name, entry));
    const script = [
      "import { createRequire } from 'node:module';",
      "const require = createRequire(process.cwd() + '/');",
      'const found = {};',
      `for (const specifier of ${JSON.stringify(specifiers)}) {`,
      '  const names = Object.keys(require(specifier));',
      '  const imported = await import(specifier);',
      '  found[specifier] = { names: names.length, missingFromImport: names.filter((name) => !(name in imported)) };',
      '}',
      'console.log(JSON.stringify(found));',
    ].join('\n');
    const loaded = await run('loading the entries', process.execPath, ['--input-type=module', '-e', script], { cwd: bare, timeoutMs: StepTimeoutMs.command });
    const found = JSON.parse(loaded.stdout) as Record<string, { names: number; missingFromImport: string[] }>;
    for (const specifier of specifiers) {
      expect({ specifier, loaded: found[specifier].names > 0, missingFromImport: found[specifier].missingFromImport }).toEqual({ specifier, loaded: true, missingFromImport: [] });
    }
  }, StepTimeoutMs.command * 3);

  it('scaffolds with its dotfiles, links the bin into the project and answers --help there', async () => {
    expect(existsSync(path.join(project, '.gitignore'))).toBe(true);
    expect(existsSync(path.join(project, '.dockerignore'))).toBe(true);
    expect(realpathSync(path.join(project, 'node_modules', 'stepwise-agents'))).toBe(path.join(project, 'node_modules', 'stepwise-agents'));
    const help = await run('node_modules/.bin/stepwise --help', path.join(project, 'node_modules', '.bin', 'stepwise'), ['--help'], { cwd: project, timeoutMs: StepTimeoutMs.command });
    expect(help.stdout).toMatch(/stepwise run/);
  }, StepTimeoutMs.command + 10_000);

  it("passes the scaffold's npm test", async () => {
    const tested = await run('npm test in the scaffold', 'npm', ['test'], { cwd: project, timeoutMs: StepTimeoutMs.npmTest });
    expect(tested.stderr).toMatch(/Tests:\s+\d+ passed, \d+ total/);
  }, StepTimeoutMs.npmTest + 10_000);

  it("type-checks the scaffold against the package's published types", async () => {
    await run('npm run typecheck in the scaffold', 'npm', ['run', 'typecheck'], { cwd: project, timeoutMs: StepTimeoutMs.typecheck });
  }, StepTimeoutMs.typecheck + 10_000);

  it('runs npm start through a local engine of its own, with no model configured, and says so', async () => {
    const scripts = (JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const words = startTask(scripts.start).trim().split(/\s+/).length;
    const started = await run('npm start in the scaffold', 'npm', ['start'], { cwd: project, timeoutMs: StepTimeoutMs.start });
    const output = started.stdout + started.stderr;
    expect(output).toMatch(/not a language model|no model/i);
    expect(output).toMatch(/completed/i);
    expect(started.stdout).toMatch(new RegExp(`count_words[^\\n]*"words":${words}\\b`));
    expect(output).not.toMatch(/\bError\b/);
  }, StepTimeoutMs.start + 10_000);

  it("serves the web console from the installed package under the scaffold's stepwise dev", async () => {
    const child = spawn(path.join(project, 'node_modules', '.bin', 'stepwise'), ['dev', '--port', '0'], { cwd: project, env: userEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let output = '';
    const stop = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => stop('SIGKILL'), StepTimeoutMs.start);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const look = (chunk: Buffer): void => {
          output += chunk;
          const found = /Console\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (found) resolve(found[1]);
        };
        child.stdout.on('data', look);
        child.stderr.on('data', look);
        void exited.then((code) => reject(new Error(`stepwise dev exited (code ${code}) before it served the console:\n${tail(output)}`)));
      });
      const page = await (await fetch(url)).text();
      expect(page).toContain('<title>Stepwise console</title>');
      expect(page).not.toContain('role="alert"');
      const assets = page.match(/\/console\/assets\/[\w.-]+/g) ?? [];
      expect(assets).toContain('/console/assets/console.js');
      for (const asset of assets) {
        const response = await fetch(new URL(asset, url));
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      }
    } finally {
      stop('SIGINT');
      await exited;
      clearTimeout(timer);
    }
  }, StepTimeoutMs.start + 10_000);

  it("synthesizes the scaffold's CDK app: the agent image holds the user's config and tool, the tool's Lambda bundle works", async () => {
    await run('npm run synth in the scaffold', 'npm', ['run', 'synth'], { cwd: project, timeoutMs: StepTimeoutMs.synth });
    const out = path.join(project, 'cdk.out');
    const stack = readdirSync(out).find((file) => file.endsWith('.assets.json'))!;
    const assets = JSON.parse(readFileSync(path.join(out, stack), 'utf8')) as { dockerImages: Record<string, { source: { directory: string; dockerFile: string } }> };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    const context = path.join(out, images[0].source.directory);
    expect(readFileSync(path.join(context, 'stepwise.config.ts'), 'utf8')).toBe(readFileSync(path.join(project, 'stepwise.config.ts'), 'utf8'));
    const toolNames = readdirSync(path.join(project, 'tools'));
    expect(toolNames).toContain('count_words');
    for (const name of toolNames) {
      for (const file of readdirSync(path.join(project, 'tools', name))) {
        expect(readFileSync(path.join(context, 'tools', name, file), 'utf8')).toBe(readFileSync(path.join(project, 'tools', name, file), 'utf8'));
      }
    }
    expect(existsSync(path.join(context, 'node_modules'))).toBe(false);
    // The image runs the entrypoint the package ships: every package path its Dockerfile names is installed.
    const dockerfile = readFileSync(path.join(context, images[0].source.dockerFile), 'utf8');
    const packagePaths = dockerfile.match(/node_modules\/stepwise-agents\/[\w./-]+/g) ?? [];
    expect(packagePaths.length).toBeGreaterThan(0);
    for (const file of packagePaths) expect({ file, installed: existsSync(path.join(project, file)) }).toEqual({ file, installed: true });

    const template = JSON.parse(readFileSync(path.join(out, stack.replace(/\.assets\.json$/, '.template.json')), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Description?: string; ContainerDefinitions?: { Environment?: { Name: string; Value: unknown }[] }[] }; Metadata?: Record<string, string> }>;
    };
    // The container is told to load the config the image holds (its path under the Dockerfile's WORKDIR).
    const workdir = [...dockerfile.matchAll(/^WORKDIR\s+(\S+)/gm)].at(-1)?.[1] ?? '/';
    const taskDefinitions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::ECS::TaskDefinition');
    expect(taskDefinitions).toHaveLength(1);
    const configInImage = taskDefinitions[0].Properties.ContainerDefinitions![0].Environment!.find((variable) => variable.Name === 'STEPWISE_CONFIG')?.Value;
    expect(typeof configInImage).toBe('string');
    expect(readFileSync(path.join(context, path.posix.relative(workdir, configInImage as string)), 'utf8')).toBe(readFileSync(path.join(project, 'stepwise.config.ts'), 'utf8'));

    const toolFunctions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Description?.includes('"count_words"'));
    expect(toolFunctions).toHaveLength(1);
    const bundle = path.join(out, toolFunctions[0].Metadata!['aws:asset:path'], 'index.js');
    expect(existsSync(bundle)).toBe(true);
    // The bundle is what Lambda runs: load it on its own and invoke it with the tool's arguments.
    const invoked = await run('the count_words Lambda bundle', process.execPath, ['-e', `require(${JSON.stringify(bundle)}).handler({ text: 'one two three' }).then((result) => console.log(JSON.stringify(result)))`], { cwd: root, timeoutMs: StepTimeoutMs.command });
    expect(JSON.parse(invoked.stdout)).toMatchObject({ result: { words: 3 } });
  }, StepTimeoutMs.synth + StepTimeoutMs.command + 10_000);
});
