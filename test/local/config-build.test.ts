import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCompiledConfig } from '../../framework/internal';
import { compileConfig } from '../../local/config-build';
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
  it('compiles the config and the files it imports into one file the container requires, and compiles again only after an edit', async () => {
    // Prepare
    const { dir, root, cleanup } = userProject();
    const source = path.join(dir, 'stepwise.config.ts');
    try {
      // Act
      const compiled = compileConfig(source, root);
      const first = await greetingOf(compiled, source);
      const builtAt = statSync(compiled).mtimeMs;
      const again = compileConfig(source, root);
      const unchangedAt = statSync(again).mtimeMs;
      writeFileSync(path.join(dir, 'greeting.ts'), `export const GREETING: string = 'Good morning';\n`);
      compileConfig(source, root);
      const edited = await greetingOf(compiled, source);
      // Assess
      expect(compiled).toBe(path.join(root, 'build', 'config.cjs'));
      expect(first).toBe('Hello, Ada');
      expect(unchangedAt).toBe(builtAt);
      expect(edited).toBe('Good morning, Ada');
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
      const compile = () => compileConfig(path.join(dir, 'stepwise.config.ts'), root);
      // Assess
      expect(compile).toThrow(/greeting\.ts:1/);
    } finally {
      cleanup();
    }
  });
});
