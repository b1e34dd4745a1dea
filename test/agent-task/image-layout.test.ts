import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { repositoryRoot } from '../helpers/cli';

/**
 * There is no Docker engine here, so the image is laid out by hand from what the final stage of
 * agent-task/Dockerfile copies (its COPY lines, read from the file), and the container's start is
 * run in it: no node_modules/ anywhere, only the bundle, the compiled config and their files.
 */
function finalStageCopies(dockerfile: string): { fromBuild: boolean; sources: string[]; destination: string }[] {
  const lines = readFileSync(dockerfile, 'utf8').split('\n');
  const finalStage = lines.slice(lines.map((line) => line.startsWith('FROM ')).lastIndexOf(true));
  return finalStage
    .filter((line) => line.startsWith('COPY '))
    .map((line) => {
      const words = line.split(/\s+/).slice(1);
      const fromBuild = words[0] === '--from=build';
      const paths = fromBuild ? words.slice(1) : words;
      return { fromBuild, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
    });
}

/** The config compiled as the Dockerfile's build stage compiles it (its esbuild command, through the API). */
function compileAsTheImageDoes(outfile: string): void {
  const command = readFileSync(path.join(repositoryRoot, 'agent-task', 'Dockerfile'), 'utf8').split('\n').find((line) => line.includes('esbuild stepwise.config.ts'))!;
  const externals = [...command.matchAll(/--external:([^\s']+)/g)].map((match) => match[1]);
  expect(externals).toEqual(['stepwise-agents', 'stepwise-agents/*']);
  buildSync({ entryPoints: [path.join(repositoryRoot, 'stepwise.config.ts')], absWorkingDir: repositoryRoot, bundle: true, platform: 'node', format: 'cjs', target: 'node22', external: externals, tsconfigRaw: {}, outfile, logLevel: 'silent' });
}

describe('the agent image (agent-task/Dockerfile), laid out from its final stage', () => {
  let image: string;
  let built: string;
  beforeAll(() => {
    image = mkdtempSync(path.join(tmpdir(), 'stepwise-image-'));
    built = mkdtempSync(path.join(tmpdir(), 'stepwise-image-build-'));
    // The build stage's /app: the repository after `npm run build`, with the config compiled into dist/.
    compileAsTheImageDoes(path.join(built, 'dist', 'stepwise.config.cjs'));
    for (const { fromBuild, sources, destination } of finalStageCopies(path.join(repositoryRoot, 'agent-task', 'Dockerfile'))) {
      for (const source of sources) {
        const from = fromBuild ? (source === '/app/dist/stepwise.config.cjs' ? path.join(built, 'dist', 'stepwise.config.cjs') : path.join(repositoryRoot, path.relative('/app', source))) : path.join(repositoryRoot, source);
        const into = path.join(image, destination);
        const target = destination.endsWith('/') && statSync(from).isFile() ? path.join(into, path.basename(from)) : into;
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(from, target, { recursive: true });
      }
    }
  });
  afterAll(() => {
    rmSync(image, { recursive: true, force: true });
    rmSync(built, { recursive: true, force: true });
  });

  it('holds no node_modules/ and no compiled framework beside the bundle', () => {
    const files = readdirSync(image, { recursive: true }) as string[];
    expect(files.filter((file) => file.split(path.sep).includes('node_modules'))).toEqual([]);
    expect(files).toContain(path.join('dist', 'agent-task', 'bundle.cjs'));
    expect(files.filter((file) => file.startsWith(path.join('dist', 'framework')))).toEqual([]);
  });

  it('starts the container there: the bundle loads the compiled demo config through its own framework, with the bundled corpus', () => {
    const run = `
      const bundle = require('./dist/agent-task/bundle.cjs');
      const framework = bundle.hostedModules(bundle.bundleManifest)[0].load();
      const loadConfigFile = (file) => { const loaded = require(file); const config = loaded && 'default' in loaded ? loaded.default : loaded; if (!framework.isConfig(config)) throw new Error(file + ' does not export a config'); return { config }; };
      const { config } = loadConfigFile(process.cwd() + '/dist/stepwise.config.cjs');
      process.stdout.write(JSON.stringify({ agents: config.agents.map((agent) => agent.name), allAgents: config.agents.every(framework.isAgent), corpus: bundle.hostedModules(bundle.bundleManifest).find((entry) => entry.specifier === 'stepwise-agents/tools').load().bundledCorpusDir(), modules: Object.keys(require.cache) }));`;
    const result = JSON.parse(execFileSync(process.execPath, ['-e', run], { cwd: image, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })) as { agents: string[]; allAgents: boolean; corpus: string; modules: string[] };
    expect(result.agents).toEqual(['research', 'content', 'analysis']);
    expect(result.allAgents).toBe(true);
    expect(result.corpus).toBe(path.join(image, 'tools', 'corpus'));
    expect(result.modules.map((file) => path.relative(image, file)).sort()).toEqual([path.join('dist', 'agent-task', 'bundle.cjs'), path.join('dist', 'agent-task', 'container.cjs'), path.join('dist', 'stepwise.config.cjs')]);
  });
});

describe("the image of a project made by stepwise init (templates/project/Dockerfile), laid out from its final stage", () => {
  const template = path.join(repositoryRoot, 'templates', 'project');
  let built: string;
  let image: string;
  beforeAll(() => {
    // The build stage's /app: the project with node_modules/stepwise-agents holding what the
    // package publishes (its `files`, from this repository's build) and zod, and the config
    // compiled with the Dockerfile's esbuild command.
    built = mkdtempSync(path.join(tmpdir(), 'stepwise-project-build-'));
    image = mkdtempSync(path.join(tmpdir(), 'stepwise-project-image-'));
    cpSync(template, built, { recursive: true });
    const ownPackage = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as { files: string[] };
    for (const file of ['package.json', ...ownPackage.files]) {
      if (existsSync(path.join(repositoryRoot, file))) cpSync(path.join(repositoryRoot, file), path.join(built, 'node_modules', 'stepwise-agents', file), { recursive: true });
    }
    cpSync(path.join(repositoryRoot, 'node_modules', 'zod'), path.join(built, 'node_modules', 'zod'), { recursive: true });
    const command = readFileSync(path.join(template, 'Dockerfile'), 'utf8').split('\n').find((line) => line.includes('esbuild stepwise.config.ts'))!;
    const external = [...command.matchAll(/--external:([^\s']+)/g)].map((match) => match[1]);
    buildSync({ entryPoints: [path.join(built, 'stepwise.config.ts')], absWorkingDir: built, bundle: true, platform: 'node', format: 'cjs', target: 'node22', external, tsconfigRaw: {}, outfile: path.join(built, 'build', 'stepwise.config.cjs'), logLevel: 'silent' });
    // The final stage: its COPY lines, the context filtered by the project's .dockerignore.
    const ignored = readFileSync(path.join(template, '_dockerignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    const isIgnored = (relative: string) => ignored.some((pattern) => (pattern.startsWith('*') ? relative.endsWith(pattern.slice(1)) : relative.split(path.sep)[0] === pattern));
    for (const { fromBuild, sources, destination } of finalStageCopies(path.join(template, 'Dockerfile'))) {
      for (const source of sources) {
        const from = fromBuild ? path.join(built, path.relative('/app', source)) : path.join(built, source);
        const into = path.join(image, destination);
        const target = destination.endsWith('/') && statSync(from).isFile() ? path.join(into, path.basename(from)) : into;
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(from, target, { recursive: true, filter: (file) => fromBuild || file === from || !isIgnored(path.relative(from, file)) });
      }
    }
  });
  afterAll(() => {
    rmSync(built, { recursive: true, force: true });
    rmSync(image, { recursive: true, force: true });
  });

  it("starts the container there: the package's bundle loads the project's compiled config (its own tool and zod inside it), with nothing else from node_modules/", () => {
    const run = `
      const bundle = require('./node_modules/stepwise-agents/dist/agent-task/bundle.cjs');
      const framework = bundle.hostedModules(bundle.bundleManifest)[0].load();
      const loadConfigFile = (file) => { const loaded = require(file); const config = loaded && 'default' in loaded ? loaded.default : loaded; if (!framework.isConfig(config)) throw new Error(file + ' does not export a config'); return { config }; };
      const { config } = loadConfigFile(process.cwd() + '/build/stepwise.config.cjs');
      const tool = config.agents[0].tools[0];
      Promise.resolve(tool.execute({ text: 'one two three' }, {})).then((result) => process.stdout.write(JSON.stringify({ agents: config.agents.map((agent) => agent.name), allAgents: config.agents.every(framework.isAgent), result, modules: Object.keys(require.cache) })));`;
    const result = JSON.parse(execFileSync(process.execPath, ['-e', run], { cwd: image, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })) as { agents: string[]; allAgents: boolean; result: unknown; modules: string[] };
    expect(result).toMatchObject({ agents: ['assistant'], allAgents: true, result: { words: 3 } });
    const agentTask = path.join('node_modules', 'stepwise-agents', 'dist', 'agent-task');
    expect(result.modules.map((file) => path.relative(image, file)).sort()).toEqual([path.join('build', 'stepwise.config.cjs'), path.join(agentTask, 'bundle.cjs'), path.join(agentTask, 'container.cjs')]);
  });
});
