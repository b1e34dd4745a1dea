import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { repositoryRoot } from '../helpers/cli';

const config = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');

const FIRST_HALF = 'No refund is needed: order ORD-1042 was delivered on time';
const SECOND_HALF = ' and the customer confirmed it arrived intact.';

describe.each([
  ['through the local engine', []],
  ['in process', ['--in-process']],
])('stepwise run prints the model words as they arrive (%s)', (_mode, extraArgs) => {
  let server: FakeOpenAIServer | undefined;
  afterEach(async () => server?.close());

  it('shows the first half of the answer while the model is still writing, and the answer once', async () => {
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    // Cut the SSE body in the middle of the answer (after about half of its chunks) until the test says go on.
    server = await startFakeOpenAI([{ content: FIRST_HALF + SECOND_HALF, chunkChars: 8, pauseAfterChars: 1_900, resume: resumed }]);
    const child = spawn(process.execPath, [path.join(repositoryRoot, 'bin', 'stepwise.js'), 'run', 'support', 'Refund order 1042', '--config', config, '--model', 'openai:gpt-4o-mini', ...extraArgs], {
      cwd: mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-')),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const sawFirstPart = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('No refund is needed')) resolve(stdout);
      });
      void exited.then(() => reject(new Error(`stepwise run ended before printing any streamed text:\n${stdout}\n${stderr}`)));
    });

    const whileWriting = await sawFirstPart;
    resume();
    const code = await exited;

    expect(whileWriting).not.toContain(SECOND_HALF.trim());
    expect(code).toBe(0);
    expect(stdout).toContain(`[1] ${FIRST_HALF}${SECOND_HALF}`);
    // Shown in full as it streamed, so not printed a second time.
    expect(stdout.split(SECOND_HALF).length - 1).toBe(1);
    expect(stdout).toMatch(/■ completed · 1 iterations/);
  }, 60_000);
});
