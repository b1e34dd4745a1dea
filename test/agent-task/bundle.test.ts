import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildConfig } from '../../local/config-build';
import { agentTaskEntry, type ProjectEngineOptions } from '../../local';
import { repositoryRoot } from '../helpers/cli';
import { sfnClient, startAgent, startFixtureEngine, temporaryProject, waitForEnd } from '../e2e/e2e-harness';

const CONTAINER_CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'container.config.ts');
const SUPPORT_CONFIG = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');

/** What a bundled container must never load from disk in a local turn: the AWS SDK (the stores' clients, the Step Functions and Lambda clients, the credential chain), a TypeScript toolchain, a second framework or zod. */
const AWS_STORE_CLIENTS = /node_modules[\\/]@aws-sdk[\\/]|vendor[\\/]aws-(stores|clients|credentials)\.cjs$/;
/** zod's translations of its messages, which a container loads only for a config that picks one. */
const ZOD_LOCALES = /vendor[\\/]zod-locales\.cjs$/;
const TYPESCRIPT_TOOLCHAIN = /node_modules[\\/](jiti|typescript|ts-node|esbuild)[\\/]/;
const SECOND_COPY = /dist[\\/](framework|tools|state-machines|agent-task[\\/](?!(bundle|container)\.cjs$))|node_modules[\\/]zod[\\/]/;

/** What the one container of a turn had loaded when it exited, and the size of V8's young generation (new space) at its start and end. */
interface RecordedContainer {
  readonly modules: string[];
  readonly builtins: string[];
  readonly newSpaceAtStart: number;
  readonly newSpaceAtEnd: number;
}

/** Runs one turn of the fixture's recorder agent through the engine and reports what its container recorded. */
async function recordedTurn(options: Partial<ProjectEngineOptions> = {}): Promise<RecordedContainer> {
  const project = temporaryProject();
  try {
    // Each container started by the engine inherits NODE_OPTIONS (as Node itself needs): this
    // preload writes what the container had loaded when it exits, and its new space then and at its start.
    const preload = path.join(project.root, 'list-modules.js');
    writeFileSync(
      preload,
      [
        `const newSpace = () => require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;`,
        `const newSpaceAtStart = newSpace();`,
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(project.root)} + '/modules-' + process.pid + '.json', JSON.stringify({ modules: Object.keys(require.cache), builtins: process.moduleLoadList, newSpaceAtStart, newSpaceAtEnd: newSpace() })));`,
      ].join('\n'),
    );
    const previousOptions = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${previousOptions ?? ''} --require ${preload}`.trim();
    const engine = await startFixtureEngine(CONTAINER_CONFIG, project.root, options);
    try {
      const sfn = sfnClient(engine);
      const executionArn = await startAgent(sfn, 'recorder', { task: 'say hello from the bundle' });
      const execution = await waitForEnd(sfn, executionArn, 60_000);
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output!)).toMatchObject({ answer: 'hello from the bundle' });
    } finally {
      await engine.stop();
      if (previousOptions === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = previousOptions;
    }
    const lists = readdirSync(project.root).filter((file) => /^modules-\d+\.json$/.test(file));
    expect(lists).toHaveLength(1);
    return JSON.parse(readFileSync(path.join(project.root, lists[0]), 'utf8')) as RecordedContainer;
  } finally {
    project.cleanup();
  }
}

describe('the container bundle (dist/agent-task/bundle.cjs)', () => {
  it('is what the engine runs', () => {
    expect(path.relative(repositoryRoot, agentTaskEntry())).toBe(path.join('dist', 'agent-task', 'bundle.cjs'));
  });

  it('runs a turn started by the engine loading only itself and the compiled config: no AWS store client, no TypeScript toolchain, no second framework', async () => {
    const { modules, builtins, newSpaceAtStart, newSpaceAtEnd } = await recordedTurn();

    expect(modules).toEqual(expect.arrayContaining([agentTaskEntry(), path.join(path.dirname(agentTaskEntry()), 'container.cjs')]));
    expect(modules.some((file) => file.includes(path.join('.stepwise', 'build') + path.sep) && file.endsWith('config.cjs'))).toBe(true);
    expect(modules.filter((file) => AWS_STORE_CLIENTS.test(file) || TYPESCRIPT_TOOLCHAIN.test(file) || SECOND_COPY.test(file) || ZOD_LOCALES.test(file))).toEqual([]);
    // Nothing else from node_modules either: the bundle holds what a local turn needs.
    expect(modules.filter((file) => file.includes(`${path.sep}node_modules${path.sep}`))).toEqual([]);
    // Only the Bedrock client (a vendor file) needs node:http2, with Node's assert, readline and file watchers: 10-15 ms of a start.
    expect(builtins.filter((name) => /^NativeModule (internal\/)?http2\b/.test(name))).toEqual([]);
    // Tuned lean (STEPWISE_CONTAINER_V8 unset) before the framework loaded: the young generation kept
    // its first size, two semi-spaces of it at most.
    expect(newSpaceAtEnd).toBeLessThanOrEqual(2 * newSpaceAtStart);
  }, 120_000);

  it("keeps Node's own V8 tuning when the engine is told node: the same turn grows the young generation", async () => {
    const { newSpaceAtStart, newSpaceAtEnd } = await recordedTurn({ containerV8: 'node' });

    expect(newSpaceAtEnd).toBeGreaterThan(2 * newSpaceAtStart);
  }, 120_000);

  it('holds no AWS SDK client: the container reaches Step Functions and Lambda with its own signed client (framework/aws/)', () => {
    const container = path.join(path.dirname(agentTaskEntry()), 'container.cjs');
    const { sources } = JSON.parse(readFileSync(`${container}.map`, 'utf8')) as { sources: string[] };
    const packages = new Set(sources.map((source) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1]).filter((name): name is string => name !== undefined));

    expect([...packages].filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))).toEqual([]);
    expect(sources.some((source) => source.endsWith('framework/aws/step-functions-api.ts'))).toBe(true);
  });

  it('starts from the V8 code cache the build wrote, which this Node accepts', () => {
    const container = path.join(path.dirname(agentTaskEntry()), 'container.cjs');
    const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(path.join(repositoryRoot, 'dist', 'agent-task', 'code-cache.js'))}).loadWithCodeCache(${JSON.stringify(container)}, module).cacheRejected))`;
    expect(existsSync(`${container}.v8cache`)).toBe(true);
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: repositoryRoot, encoding: 'utf8' }))).toBe(false);
  });

  it('holds its text once: loading it copies no second string of it into the heap', () => {
    const container = path.join(path.dirname(agentTaskEntry()), 'container.cjs');
    const script = `
      require(${JSON.stringify(agentTaskEntry())}).warmUp();
      const largeObjects = require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'large_object_space');
      process.stdout.write(JSON.stringify(largeObjects.space_used_size));`;
    const largeObjectBytes = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: repositoryRoot, encoding: 'utf8' })) as number;
    // Node keeps text it decodes from a file outside the heap (an external string) when it is longer
    // than its EXTERN_APEX (0xFBEE9 bytes), in the heap when shorter; the bundle is 0.8 MB since
    // zod's translations left it. Joining the text to a module wrapper at load (Module.wrap) put one
    // or two more copies in the heap for the life of each container.
    const size = statSync(container).size;
    const copiesExpected = size > 0xfbee9 ? 0 : 1;
    expect(largeObjectBytes).toBeLessThan((copiesExpected + 0.5) * size);
  });

  it("lends zod's translations of its messages, loaded from vendor/ only when a config reads them", () => {
    const script = `
      const bundle = require(${JSON.stringify(agentTaskEntry())});
      const { z } = bundle.hostedModules(bundle.bundleManifest).find((entry) => entry.specifier === 'zod').load();
      const localesLoaded = () => Object.keys(require.cache).filter((file) => /zod-locales/.test(file)).length;
      const english = z.string().safeParse(1).error.issues[0].message;
      const before = { loaded: localesLoaded(), names: Object.keys(z.locales).length, coreNames: Object.keys(z.core.locales).length };
      z.config(z.locales.fr());
      const french = z.string().safeParse(1).error.issues[0].message;
      process.stdout.write(JSON.stringify({ before, english, french, loaded: localesLoaded() }));`;

    const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: repositoryRoot, encoding: 'utf8' }));

    expect(result.before).toEqual({ loaded: 0, names: 63, coreNames: 63 });
    expect(result.english).toBe('Invalid input: expected string, received number');
    expect(result.french).toBe('Entrée invalide : chaîne de caractères attendu, nombre reçu');
    expect(result.loaded).toBe(1);
  });

  it('is still a CommonJS module that `require` loads (the build wraps it for the loader, not only for it)', () => {
    const container = path.join(path.dirname(agentTaskEntry()), 'container.cjs');
    const script = `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(container)})).sort()))`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: repositoryRoot, encoding: 'utf8' }))).toEqual(expect.arrayContaining(['bundleManifest', 'hostedModules', 'start', 'warmUp']));
  });

  it.each([
    ['a config with its own zod tools', SUPPORT_CONFIG],
    ['the demo config, on the bundled tools (stepwise-agents/tools)', path.join(repositoryRoot, 'stepwise.config.ts')],
  ])('lends %s its own framework and zod: the config\'s agents and schemas are the container\'s', (_name, source) => {
    const buildRoot = mkdtempSync(path.join(tmpdir(), 'stepwise-bundle-'));
    try {
      const compiled = buildConfig(source, buildRoot).compiledPath;
      // Loaded as the container loads it: the bundle installed, then the compiled config required
      // (whose package imports are absolute paths to dist/framework and node_modules/zod).
      const script = `
        const bundle = require(${JSON.stringify(agentTaskEntry())});
        const hosted = bundle.hostedModules(bundle.bundleManifest);
        const framework = hosted.find((entry) => entry.specifier === 'stepwise-agents').load();
        const zod = hosted.find((entry) => entry.specifier === 'zod').load();
        const loadConfigFile = (file) => { const loaded = require(file); const config = loaded && 'default' in loaded ? loaded.default : loaded; if (!framework.isConfig(config)) throw new Error(file + ' does not export a config'); return { config }; };
      const { config } = loadConfigFile(${JSON.stringify(compiled)});
        const tools = config.agents.flatMap((agent) => agent.tools);
        process.stdout.write(JSON.stringify({
          agentsPassIsAgent: config.agents.every((agent) => framework.isAgent(agent)),
          sameFramework: require('stepwise-agents') === framework,
          schemasAreTheBundlesZod: tools.every((tool) => tool.parameters instanceof zod.ZodObject),
          modules: Object.keys(require.cache),
        }));`;
      const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: repositoryRoot, encoding: 'utf8' })) as { agentsPassIsAgent: boolean; sameFramework: boolean; schemasAreTheBundlesZod: boolean; modules: string[] };
      expect(result).toMatchObject({ agentsPassIsAgent: true, sameFramework: true, schemasAreTheBundlesZod: true });
      expect(result.modules.filter((file) => SECOND_COPY.test(file) || TYPESCRIPT_TOOLCHAIN.test(file) || AWS_STORE_CLIENTS.test(file))).toEqual([]);
    } finally {
      rmSync(buildRoot, { recursive: true, force: true });
    }
  });
});
