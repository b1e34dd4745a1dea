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
});
