import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Subprocess tests (CLI, engine containers) run the compiled code: build it once, incrementally. */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
