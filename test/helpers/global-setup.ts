import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { browserTestsNotice } from './chromium';

/**
 * Subprocess tests (CLI, engine containers) run the compiled code, and the console tests load the
 * built console: build both once (tsc incrementally, the console bundle with esbuild).
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-console.js')], { cwd: root, stdio: 'inherit' });
  process.stderr.write(`\n${browserTestsNotice()}\n`);
}
