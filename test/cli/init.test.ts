import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot, runCli } from '../helpers/cli';

const run = promisify(execFile);
const ownPackage = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8'));

/**
 * Stands in for `npm install` in the scaffold without the network: `node_modules/stepwise-agents`
 * gets what the package publishes (its `files`, from this repository's build), and every other
 * dependency is a link to the repository's own copy.
 */
function installDependencies(project: string): void {
  const modules = path.join(project, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(repositoryRoot, 'node_modules'))) {
    symlinkSync(path.join(repositoryRoot, 'node_modules', entry), path.join(modules, entry));
  }
  const installed = path.join(modules, 'stepwise-agents');
  for (const file of ['package.json', ...(ownPackage.files as string[])]) {
    cpSync(path.join(repositoryRoot, file), path.join(installed, file), { recursive: true });
  }
}

describe('stepwise init', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'stepwise-init-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('scaffolds a project that depends on stepwise-agents, with its own agent, tool, test, CDK app and Dockerfile', async () => {
    const result = await runCli(['init', 'My Agents'], { cwd: parent });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('npm install && npm start');
    expect(result.stdout).toMatch(/no model is configured/);
    const project = path.join(parent, 'My Agents');
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-agents');
    expect(pkg.dependencies['stepwise-agents']).toBe(`^${ownPackage.version}`);
    expect(pkg.devDependencies.typescript).toBe(ownPackage.devDependencies.typescript);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['start', 'test', 'synth', 'deploy']));
    for (const file of ['stepwise.config.ts', 'tools/count_words/tool.ts', 'tools/count_words/handler.ts', 'test/assistant.test.ts', 'bin/app.ts', 'cdk.json', 'Dockerfile', '.dockerignore', '.gitignore', 'README.md']) {
      expect(existsSync(path.join(project, file))).toBe(true);
    }
    expect(readdirSync(parent)).toEqual(['My Agents']);
  });

  it('refuses a folder that is not empty, names what is there, and writes nothing', async () => {
    const project = path.join(parent, 'taken');
    mkdirSync(project);
    writeFileSync(path.join(project, 'notes.txt'), 'mine');
    const result = await runCli(['init', 'taken'], { cwd: parent });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('notes.txt');
    expect(readdirSync(project)).toEqual(['notes.txt']);
    expect(readdirSync(parent)).toEqual(['taken']);
  });

  it('gives a project whose npm test and npm start work, and whose CDK app puts the config and tool in the agent image', async () => {
    expect((await runCli(['init', 'app'], { cwd: parent })).code).toBe(0);
    const project = path.join(parent, 'app');
    installDependencies(project);

    // npm test: the scaffold's own jest config and test, against the package.
    await run(process.execPath, [path.join(project, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], { cwd: project, env: { ...process.env, NODE_OPTIONS: '' } });

    // npm start: through a local engine of its own, with no model configured.
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    const startArgs = (pkg.scripts.start as string).match(/"[^"]*"|\S+/g)!.slice(1).map((arg) => arg.replace(/^"|"$/g, ''));
    const started = await runCli(startArgs, { cwd: project, env: { STEPWISE_ENDPOINT: 'http://127.0.0.1:9' } });
    expect(started.stderr).not.toMatch(/Error/);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('The task has 10 words.');

    // npm run synth: the image is built from the project with its Dockerfile and loads its config.
    writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages: {} }));
    await run(process.execPath, [path.join(project, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--output', 'cdk.out'], { cwd: project, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' }, maxBuffer: 64 * 1024 * 1024 });
    const assets = JSON.parse(readFileSync(path.join(project, 'cdk.out', 'Stepwise.assets.json'), 'utf8'));
    const images = Object.values(assets.dockerImages) as { source: { directory: string; dockerFile: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0].source.dockerFile).toBe('Dockerfile');
    const context = path.join(project, 'cdk.out', images[0].source.directory);
    expect(readFileSync(path.join(context, 'stepwise.config.ts'), 'utf8')).toBe(readFileSync(path.join(project, 'stepwise.config.ts'), 'utf8'));
    expect(existsSync(path.join(context, 'tools', 'count_words', 'tool.ts'))).toBe(true);
    expect(existsSync(path.join(context, 'node_modules'))).toBe(false);
    const template = JSON.parse(readFileSync(path.join(project, 'cdk.out', 'Stepwise.template.json'), 'utf8'));
    const taskDefinitions = Object.values(template.Resources as Record<string, { Type: string; Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] } }>)
      .filter((resource) => resource.Type === 'AWS::ECS::TaskDefinition');
    expect(taskDefinitions).toHaveLength(1);
    expect(taskDefinitions[0].Properties.ContainerDefinitions[0].Environment).toContainEqual({ Name: 'STEPWISE_CONFIG', Value: '/app/stepwise.config.ts' });
  }, 600_000);
});
