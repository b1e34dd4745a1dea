import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
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
      const { config } = framework.loadCompiledConfig(process.cwd() + '/dist/stepwise.config.cjs', process.cwd() + '/stepwise.config.ts');
      process.stdout.write(JSON.stringify({ agents: config.agents.map((agent) => agent.name), allAgents: config.agents.every(framework.isAgent), corpus: framework.bundledCorpusDir(), modules: Object.keys(require.cache) }));`;
    const result = JSON.parse(execFileSync(process.execPath, ['-e', run], { cwd: image, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })) as { agents: string[]; allAgents: boolean; corpus: string; modules: string[] };
    expect(result.agents).toEqual(['research', 'content', 'analysis']);
    expect(result.allAgents).toBe(true);
    expect(result.corpus).toBe(path.join(image, 'tools', 'corpus'));
    expect(result.modules.map((file) => path.relative(image, file)).sort()).toEqual([path.join('dist', 'agent-task', 'bundle.cjs'), path.join('dist', 'agent-task', 'container.cjs'), path.join('dist', 'stepwise.config.cjs')]);
  });
});
