import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';

const cwd = () => mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-'));
const COMMANDS = ['init', 'run', 'dev', 'start', 'status', 'list', 'logs', 'approvals', 'approve', 'reject', 'redrive', 'asl'];

describe('stepwise <command> --help', () => {
  it.each(COMMANDS)('%s --help prints that command\'s usage and exits 0 without doing anything', async (command) => {
    const result = await runCli([command, '--help'], { cwd: cwd(), env: { STEPWISE_ENDPOINT: 'http://127.0.0.1:9' } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^Usage: stepwise ${command}`));
  });

  it('lists every command in stepwise help', async () => {
    const result = await runCli(['help']);
    for (const command of COMMANDS) expect(result.stdout).toContain(`stepwise ${command}`);
  });
});

describe('when no engine is running', () => {
  it('every engine command says so the same way, with one exit code', async () => {
    const endpoint = 'http://127.0.0.1:9';
    const results = await Promise.all([
      ['status', 'arn:aws:states:us-east-1:123456789012:execution:support:x'],
      ['logs', 'arn:aws:states:us-east-1:123456789012:execution:support:x'],
      ['list'],
      ['approvals'],
      ['approve', 'apv-1'],
    ].map((args) => runCli([...args, '--endpoint', endpoint], { cwd: cwd() })));
    for (const result of results) {
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr.trim()).toBe('stepwise: nothing answers at http://127.0.0.1:9. Start the local engine with "stepwise dev", or pass --endpoint URL (or --target aws).');
    }
  });
});

describe('errors the service answers with', () => {
  it('print as one line naming the error, not a stack', async () => {
    // Speaks the Step Functions JSON protocol as AWS does for an execution that does not exist.
    const server = http.createServer((request, response) => {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
      response.end(JSON.stringify({ __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist', message: 'Execution Does Not Exist: x' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await runCli(['redrive', 'arn:aws:states:us-east-1:123456789012:execution:support:x', '--endpoint', endpoint], { cwd: cwd() });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe('stepwise: ExecutionDoesNotExist: Execution Does Not Exist: x');
    } finally {
      server.close();
    }
  });
});

describe('a model that cannot run', () => {
  const config = path.join(__dirname, '..', 'fixtures', 'support.config.ts');
  it.each([
    ['through the local engine', []],
    ['in process', ['--in-process']],
  ])('is refused %s before any execution or engine starts: exit 2, naming the model and what it needs', async (_where, extra) => {
    const dir = cwd();
    const missingKey = await runCli(['run', 'support', 'Refund order 1042', '--config', config, '--model', 'openai:gpt-4o-mini', '--approve', 'all', ...extra], { cwd: dir, env: { STEPWISE_ENDPOINT: 'http://127.0.0.1:9' } });
    const unknown = await runCli(['run', 'support', 'Refund order 1042', '--config', config, '--model', 'gpt-4o', '--approve', 'all', ...extra], { cwd: dir, env: { STEPWISE_ENDPOINT: 'http://127.0.0.1:9' } });

    expect(missingKey).toMatchObject({ code: 2, stdout: '' });
    expect(missingKey.stderr.trim()).toBe('stepwise: Cannot run agent "support" on model "openai:gpt-4o-mini": Model "openai:gpt-4o-mini" needs OPENAI_API_KEY (or OPENAI_BASE_URL pointing at a server that needs no key). No execution was started.');
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('on model "gpt-4o": Unknown model "gpt-4o"') });
    expect(existsSync(path.join(dir, '.stepwise'))).toBe(false);
  });
});

describe('a container V8 tuning the CLI does not know (STEPWISE_CONTAINER_V8)', () => {
  it('is refused when it would start an engine: exit 2, naming the variable and the tunings there are', async () => {
    const dir = cwd();
    const config = path.join(__dirname, '..', 'fixtures', 'support.config.ts');

    const result = await runCli(['run', 'support', 'Refund order 1042', '--config', config, '--approve', 'all'], { cwd: dir, env: { STEPWISE_CONTAINER_V8: 'fast' } });

    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.trim()).toBe('stepwise: STEPWISE_CONTAINER_V8 must be "node" or "lean", got "fast"');
    expect(existsSync(path.join(dir, '.stepwise'))).toBe(false);
  });

  it('does not stop a command that starts no engine', async () => {
    const result = await runCli(['list', '--endpoint', 'http://127.0.0.1:9'], { cwd: cwd(), env: { STEPWISE_CONTAINER_V8: 'fast' } });

    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr.trim()).toBe('stepwise: nothing answers at http://127.0.0.1:9. Start the local engine with "stepwise dev", or pass --endpoint URL (or --target aws).');
  });
});
