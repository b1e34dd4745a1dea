import { appendFileSync, cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { EventType, StoreCorruptError, type StepwiseEvent } from '../../framework';
import type { LocalEngine } from '../../local';
import { runCli } from '../helpers/cli';
import { sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from './harness';

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether anything accepts connections on the port. */
async function listening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health`);
    return true;
  } catch {
    return false;
  }
}

const executionFolder = (root: string, name: string) => path.join(root, 'engine', 'executions', encodeURIComponent(`scripted:${name}`));

/** Replaces line `number` (1-based) of a file. */
function replaceLine(file: string, number: number, text: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[number - 1] = text;
  writeFileSync(file, lines.join('\n'));
}

describe('the local engine with damaged state files', () => {
  let root: string;
  let cleanup: () => void;
  let engine: LocalEngine | undefined;

  beforeEach(async () => {
    ({ root, cleanup } = temporaryRoot());
    engine = await startTestEngine(root);
    const sfn = sfnClient(engine);
    for (const name of ['first', 'second']) await waitFor(sfn, await startScripted(sfn, 'complete', {}, name));
    await engine.stop();
    engine = undefined;
  });

  afterEach(async () => {
    await engine?.stop();
    cleanup();
  });

  it('refuses to start on an execution.json that is not JSON: names the file, listens on nothing, and releases its lock', async () => {
    const file = path.join(executionFolder(root, 'second'), 'execution.json');
    writeFileSync(file, '{"executionArn": "arn:aws:states:us-east-1:0000');
    const port = await freePort();

    const starting = startTestEngine(root, { port });

    await expect(starting).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(starting).rejects.toThrow(file);
    await expect(starting).rejects.toThrow(/move its folder .* out of/);
    expect(await listening(port)).toBe(false);
    expect(existsSync(path.join(root, 'engine', 'engine.lock'))).toBe(false);
  });

  it('refuses an execution.json that is JSON but not an execution', async () => {
    const file = path.join(executionFolder(root, 'first'), 'execution.json');
    writeFileSync(file, '{"hello": "world"}');

    await expect(startTestEngine(root)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is unreadable: not an execution record`));
  });

  it('refuses a damaged tasks.json, naming it', async () => {
    const file = path.join(executionFolder(root, 'first'), 'tasks.json');
    writeFileSync(file, '[{"token": ');

    await expect(startTestEngine(root)).rejects.toThrow(file);
  });

  it('refuses a damaged line in the middle of history.jsonl instead of serving a history with an id gap', async () => {
    const file = path.join(executionFolder(root, 'first'), 'history.jsonl');
    replaceLine(file, 3, '{"timestamp": 17');

    await expect(startTestEngine(root)).rejects.toThrow(`${file}:3`);
  });

  it('refuses a history.jsonl with a line missing (ids out of sequence)', async () => {
    const file = path.join(executionFolder(root, 'first'), 'history.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));

    await expect(startTestEngine(root)).rejects.toThrow(/history\.jsonl:3 .*event id 4 where 3 belongs/);
  });

  it('drops only a torn last history line, and the history stays readable across the next restart', async () => {
    const file = path.join(executionFolder(root, 'first'), 'history.jsonl');
    const complete = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    appendFileSync(file, '{"timestamp":1,"id":');

    engine = await startTestEngine(root);
    const sfn = sfnClient(engine);
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:scripted:first`;
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    await waitFor(sfn, await startScripted(sfn, 'complete', {}, 'third'));
    await engine.stop();
    engine = await startTestEngine(root);

    expect(events!.map((event) => event.id)).toEqual(Array.from({ length: complete }, (_, index) => index + 1));
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
  });

  it('stepwise dev exits non-zero on a damaged state file, naming it and how to move it aside, and serves nothing', async () => {
    const cwd = temporaryRoot();
    try {
      // `stepwise dev` keeps its state in <cwd>/.stepwise: put the damaged engine state there.
      const stateRoot = path.join(cwd.root, '.stepwise');
      cpSync(root, stateRoot, { recursive: true });
      const file = path.join(executionFolder(stateRoot, 'second'), 'execution.json');
      writeFileSync(file, 'garbage');
      const port = await freePort();

      const result = await runCli(['dev', '--port', String(port), '--config', path.join(__dirname, '..', '..', 'stepwise.config.ts')], { cwd: cwd.root, timeoutMs: 30_000 });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toMatch(/move its folder/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stdout).not.toContain('engine running');
      expect(readdirSync(path.join(stateRoot, 'engine'))).not.toContain('engine.lock');
    } finally {
      cwd.cleanup();
    }
  });
});

describe('an event log damaged in the middle', () => {
  let root: string;
  let cleanup: () => void;
  let engine: LocalEngine;
  let executionArn: string;
  let logFile: string;

  const event = (iteration: number): StepwiseEvent => ({ type: EventType.ModelStep, runId: executionArn, agent: 'scripted', at: new Date().toISOString(), iteration, thought: `step ${iteration}`, toolCalls: [], final: false });

  beforeAll(async () => {
    ({ root, cleanup } = temporaryRoot());
    engine = await startTestEngine(root);
    const sfn = sfnClient(engine);
    executionArn = await startScripted(sfn, 'complete');
    await waitFor(sfn, executionArn);
    await engine.stores.events.append(executionArn, [event(1), event(2), event(3)]);
    const folder = path.join(root, 'events');
    logFile = path.join(folder, readdirSync(folder).find((name) => name.endsWith('.jsonl'))!);
    replaceLine(logFile, 2, '{"seq":2,"event":{"type":"model.st\u0000\u0000');
  });

  afterAll(async () => {
    await engine.stop();
    cleanup();
  });

  it('ends the SSE stream with an error event naming the file and line', async () => {
    const response = await fetch(`${engine.endpoint}/executions/${encodeURIComponent(executionArn)}/events?follow=false`);
    const text = await response.text();

    expect(text).toContain('id: 1\n');
    expect(text).not.toContain('event: execution.ended');
    const error = /event: error\ndata: (.*)\n\n/.exec(text);
    expect(error).not.toBeNull();
    expect(JSON.parse(error![1])).toMatchObject({ name: 'Stepwise.CheckpointError', message: expect.stringContaining(`${logFile}:2`) });
  });

  it('stepwise logs prints what it could read, then exits non-zero naming the file', async () => {
    const result = await runCli(['logs', executionArn, '--endpoint', engine.endpoint], { timeoutMs: 30_000 });

    expect(result.stdout).toContain('step 1');
    expect(result.stderr).toContain(`${logFile}:2`);
    expect(result.code).toBe(1);
  });
});
