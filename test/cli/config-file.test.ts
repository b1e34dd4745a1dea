import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';

/** `--config` names a file a user typed: anything but a readable config file is a usage error (exit 2) that says what is wrong. */
describe('stepwise --config with something that is not a config file', () => {
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'stepwise-config-file-'));
    execFileSync('mkfifo', [path.join(folder, 'pipe.ts')]);
    // Sparse: 3 GB on paper, nothing on disk.
    writeFileSync(path.join(folder, 'huge.config.ts'), '');
    truncateSync(path.join(folder, 'huge.config.ts'), 3 * 1024 ** 3);
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    ['a device that never ends (/dev/zero)', () => '/dev/zero', /\/dev\/zero is not a regular file \(it is a character device\)/],
    ['a named pipe', () => path.join(folder, 'pipe.ts'), /pipe\.ts is not a regular file \(it is a named pipe\)/],
    ['a directory', () => folder, /is not a regular file \(it is a directory\)/],
    ['a 3 GB file', () => path.join(folder, 'huge.config.ts'), /huge\.config\.ts is 3221225472 bytes; a config file may have at most 1048576/],
  ])('refuses %s with exit code 2 and a message naming the file', async (_what, file, message) => {
    const result = await runCli(['asl', 'research', '--config', file()], { timeoutMs: 30_000 });

    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it('stepwise dev refuses --config /dev/zero the same way, before it starts an engine', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'stepwise-config-dev-'));
    try {
      const result = await runCli(['dev', '--port', '0', '--config', '/dev/zero'], { cwd, timeoutMs: 30_000 });

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/\/dev\/zero is not a regular file/);
      expect(result.stdout).not.toContain('engine running');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it.each([
    ['--args-file /dev/zero', ['approve', 'apv-1', '--args-file', '/dev/zero'], /--args-file: \/dev\/zero is not a regular file \(it is a character device\)/],
    ['--reason-file of a named pipe', ['reject', 'apv-1', '--reason-file', 'PIPE'], /--reason-file: .*pipe\.ts is not a regular file \(it is a named pipe\)/],
  ])('refuses %s with exit code 2 before it contacts anything', async (_what, args, message) => {
    const result = await runCli(args.map((arg) => (arg === 'PIPE' ? path.join(folder, 'pipe.ts') : arg)), { timeoutMs: 30_000 });

    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });
});
