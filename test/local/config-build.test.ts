import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCompiledConfig } from '../../framework/internal';
import { buildConfig } from '../../local/config-build';
import { repositoryRoot } from '../helpers/cli';

/** A project of its own (outside the repository) with `stepwise-agents` and `zod` installed, as a user has it. */
function userProject(): { dir: string; root: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-config-build-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(repositoryRoot, path.join(dir, 'node_modules', 'stepwise-agents'), 'dir');
  symlinkSync(path.join(repositoryRoot, 'node_modules', 'zod'), path.join(dir, 'node_modules', 'zod'), 'dir');
  writeFileSync(
    path.join(dir, 'stepwise.config.ts'),
    `import { z } from 'zod';
import { defineAgent, defineConfig, defineTool } from 'stepwise-agents';
import { GREETING } from './greeting';

const greet = defineTool({ name: 'greet', description: 'Greets', parameters: z.object({ name: z.string() }), execute: ({ name }) => ({ text: \`\${GREETING}, \${name}\` }) });
export default defineConfig({ agents: [defineAgent({ name: 'greeter', description: 'Greets people', tools: [greet] })] });
`,
  );
  writeFileSync(path.join(dir, 'greeting.ts'), `export const GREETING: string = 'Hello';\n`);
  // The engine keeps its state (and the compiled config) anywhere, not necessarily in the project.
  const root = mkdtempSync(path.join(os.tmpdir(), 'stepwise-config-root-'));
  return { dir, root, cleanup: () => [dir, root].forEach((folder) => rmSync(folder, { recursive: true, force: true })) };
}

let loads = 0;

async function greetingOf(compiled: string, source: string): Promise<string> {
  // A container is a new process; this test is one, whose module registry would hand back the first load.
  const copy = `${compiled}.${(loads += 1)}.cjs`;
  copyFileSync(compiled, copy);
  const { config } = loadCompiledConfig(copy, source);
  const tool = config.agent('greeter').tools[0];
  return ((await tool.execute({ name: 'Ada' }, {} as never)) as { text: string }).text;
}

describe('the config compiled ahead of time for the containers', () => {
  // The compiled config requires the package build (dist/) as the container does.
  it('compiles the config and the files it imports into one file per build, and an edit into a new build beside the old one', async () => {
    // Prepare
    const { dir, root, cleanup } = userProject();
    const source = path.join(dir, 'stepwise.config.ts');
    try {
      // Act
      const build = buildConfig(source, root);
      const first = await greetingOf(build.compiledPath, source);
      const builtAt = statSync(build.compiledPath).mtimeMs;
      const again = buildConfig(source, root);
      const unchangedAt = statSync(again.compiledPath).mtimeMs;
      writeFileSync(path.join(dir, 'greeting.ts'), `export const GREETING: string = 'Good morning';\n`);
      const editedBuild = buildConfig(source, root);
      const edited = await greetingOf(editedBuild.compiledPath, source);
      const stillFirst = await greetingOf(build.compiledPath, source);
      // Assess
      expect(build.compiledPath).toBe(path.join(root, 'build', build.id, 'config.cjs'));
      expect(Object.keys(build.inputs).sort()).toEqual([path.join(dir, 'greeting.ts'), source]);
      expect(first).toBe('Hello, Ada');
      expect(again.id).toBe(build.id);
      expect(unchangedAt).toBe(builtAt);
      expect(editedBuild.id).not.toBe(build.id);
      expect(edited).toBe('Good morning, Ada');
      expect(stillFirst).toBe('Hello, Ada');
    } finally {
      cleanup();
    }
  });

  it('says where a config that does not compile is wrong', () => {
    // Prepare
    const { dir, root, cleanup } = userProject();
    writeFileSync(path.join(dir, 'greeting.ts'), `export const GREETING: string = ;\n`);
    try {
      // Act
      const compile = () => buildConfig(path.join(dir, 'stepwise.config.ts'), root);
      // Assess
      expect(compile).toThrow(/greeting\.ts:1/);
    } finally {
      cleanup();
    }
  });
});
