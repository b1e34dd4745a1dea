import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repositoryRoot, runCli } from '../helpers/cli';

const ownPackage = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8'));

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
});
