import { connect } from 'node:net';
import type { LocalEngine } from '../../local';
import { rawRequest } from '../helpers/raw-http';
import { startTestEngine, temporaryRoot } from './harness';

/** Requests a client can send by mistake (or on purpose) get AWS-shaped answers, never a 500. */
describe('the local engine answers malformed requests with named errors', () => {
  let engine: LocalEngine;
  let cleanup: () => void;
  const invoked: unknown[] = [];

  beforeAll(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root, {
      lambdaHandlers: {
        'stepwise-tool-echo': async (event) => {
          invoked.push(event);
          return event;
        },
      },
    });
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers X-Amz-Target AWSStepFunctions.%s with UnknownOperationException',
    async (member) => {
      const response = await rawRequest(engine.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${member}` },
        body: '{}',
      });

      expect(response.status).toBe(400);
      expect(response.headers['x-amzn-errortype']).toBe('UnknownOperationException');
      expect(JSON.parse(response.body)).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining(`AWSStepFunctions.${member}`) });
    },
  );

  it('answers a function name with broken %-encoding with a ValidationException, and runs nothing', async () => {
    const response = await rawRequest(`${engine.endpoint}/2015-03-31/functions/stepwise-tool-echo%E0%A4%A/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(response.body).message).toMatch(/%-encoding/);
    expect(invoked).toEqual([]);
  });

  it.each([
    ['an execution\'s events', 'GET', '/executions/arn%3Aaws%3Astates%ZZ/events'],
    ['a console decision', 'POST', '/console/api/approvals/apv-%E0%A4%A/decision'],
    ['a console file', 'GET', '/console/assets/console%E0.js'],
  ])('answers a path to %s with broken %%-encoding with a 400 that says so', async (_what, method, pathname) => {
    const response = await rawRequest(`${engine.endpoint}${pathname}`, { method, headers: method === 'POST' ? { 'Content-Type': 'application/json' } : {}, body: method === 'POST' ? '{}' : undefined });

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ __type: 'ValidationException', message: expect.stringMatching(/%-encoding/) });
  });

  /**
   * Sends the head of a request that declares a body of `declared` bytes and only a first piece
   * of it, then waits for an answer without sending the rest: an engine that wants the whole body
   * before it decides never answers (the wait ends, unanswered, after `waitMs`).
   */
  function headOnly(pathname: string, headers: Record<string, string>, declared: number, waitMs = 15_000): Promise<string | undefined> {
    const { port } = new URL(engine.endpoint);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(undefined);
      }, waitMs);
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
        if (/\r\n\r\n[\s\S]*\}/.test(answer)) {
          clearTimeout(timer);
          socket.destroy();
          resolve(answer);
        }
      });
      socket.on('error', reject);
      const head = Object.entries({ Host: `127.0.0.1:${port}`, ...headers, 'Content-Length': String(declared) }).map(([name, value]) => `${name}: ${value}`);
      socket.write(`POST ${pathname} HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n`);
      socket.write(Buffer.alloc(1024, 0x20));
    });
  }

  it('refuses an unknown Step Functions operation before reading its body', async () => {
    const answer = await headOnly('/', { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.DeleteEverything' }, 900 * 1024);

    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('UnknownOperationException');
    expect(answer).toMatch(/connection: close/i);
  });

  it('refuses an unknown Lambda function before reading its body', async () => {
    const answer = await headOnly('/2015-03-31/functions/no-such-function/invocations', { 'Content-Type': 'application/json' }, 5 * 1024 * 1024);

    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    expect(answer).toContain('ResourceNotFoundException');
    expect(invoked).toEqual([]);
  });

  it('refuses a payload upload larger than a tool\'s arguments can ever be (a Lambda Invoke\'s 6 MiB)', async () => {
    const answer = await headOnly('/payloads', { 'Content-Type': 'application/json' }, 6 * 1024 * 1024 + 1);

    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('6291456 bytes');
  });
});
