import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repositoryRoot, runCli } from '../helpers/cli';

const cwd = () => mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-'));

describe('usage errors of the options for large values and the AWS-faithful engine', () => {
  it('refuses a value given both inline and from a file, and a file that cannot be read, naming the option', async () => {
    const both = await runCli(['approve', 'apv-1', '--reason', 'ok', '--reason-file', 'why.txt', '--endpoint', 'http://127.0.0.1:9'], { cwd: cwd() });
    const missing = await runCli(['reject', 'apv-1', '--reason-file', 'does-not-exist.txt', '--endpoint', 'http://127.0.0.1:9'], { cwd: cwd() });

    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('Give --reason or --reason-file, not both') });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/--reason-file: \S*\/does-not-exist\.txt cannot be read \(ENOENT\)/) });
  });

  it('takes --cold-start only with --aws-faithful, and only as a number of seconds', async () => {
    const config = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');
    const alone = await runCli(['dev', '--port', '0', '--config', config, '--cold-start', '3'], { cwd: cwd() });
    const notANumber = await runCli(['dev', '--port', '0', '--config', config, '--aws-faithful', '--cold-start', 'soon'], { cwd: cwd() });

    expect(alone).toMatchObject({ code: 2, stderr: expect.stringContaining('--cold-start applies with --aws-faithful') });
    expect(notANumber).toMatchObject({ code: 2, stderr: expect.stringContaining('--cold-start must be a number of seconds (got "soon")') });
  });

  it('takes --max-containers only as a whole number, 1 or more', async () => {
    const config = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');
    const none = await runCli(['dev', '--port', '0', '--config', config, '--max-containers', '0'], { cwd: cwd() });
    const words = await runCli(['dev', '--port', '0', '--config', config, '--max-containers', 'many'], { cwd: cwd() });

    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-containers must be a whole number, 1 or more (got "0")') });
    expect(words).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-containers must be a whole number, 1 or more (got "many")') });
  });
});
