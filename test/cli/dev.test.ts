import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { dev } from '../../cli/commands/dev';
import { repositoryRoot } from '../helpers/cli';

describe('stepwise dev', () => {
  it('prints the console URL and the container cap, and the console answers there', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'stepwise-dev-'));
    const lines: string[] = [];
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    try {
      const running = dev(
        ['--port', '0', '--config', path.join(repositoryRoot, 'stepwise.config.ts'), '--max-containers', '2'],
        { modelSettings: {}, modelEnv: {}, contextEnv: {}, color: false, interactive: false },
        { cwd, out: (line) => lines.push(line), error: () => undefined, stdin: new PassThrough(), stderr: new PassThrough() },
        until,
      );
      const consoleLine = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const found = lines.find((line) => line.includes('Console'));
          if (found) {
            clearInterval(timer);
            resolve(found);
          }
        }, 20);
        running.catch((error) => {
          clearInterval(timer);
          reject(error);
        });
      });
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(consoleLine)?.[0];

      const page = await fetch(url!);

      expect(lines).toContainEqual(expect.stringMatching(/Containers +at most 2 at once; more wait in line/));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Stepwise console</title>');
      stop();
      await running;
    } finally {
      stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
