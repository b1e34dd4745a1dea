import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../helpers/node-sha256';
import { functionUrlRegion } from '../../cli/aws-signing';
import { readExecutionEvents } from '../../cli/event-stream';
import { localTarget } from '../../cli/target';
import { EventType, type LoggedEvent, type StepwiseEvent } from '../../framework/internal';
import type { LocalEngine } from '../../local';
import { sfnClient, startScripted, startTestEngine, temporaryRoot, waitFor } from '../local/harness';

const modelStep = (runId: string, iteration: number): StepwiseEvent => ({
  type: EventType.ModelStep,
  runId,
  agent: 'scripted',
  at: new Date().toISOString(),
  iteration,
  thought: `step ${iteration}`,
  toolCalls: [],
  final: false,
});

async function collect(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const received: LoggedEvent[] = [];
  for await (const logged of events) received.push(logged);
  return received;
}

describe('the CLI\'s event reader against the local engine', () => {
  let engine: LocalEngine;
  let cleanup: () => void;

  beforeEach(async () => {
    const temporary = temporaryRoot();
    cleanup = temporary.cleanup;
    engine = await startTestEngine(temporary.root);
  });

  afterEach(async () => {
    await engine.stop();
    cleanup();
  });

  it('follows an execution to its end: what was logged, then what is logged while it runs, each once', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'slow', { delayMs: 600 });
    await engine.stores.events.append(executionArn, [modelStep(executionArn, 1)]);

    const reading = collect(localTarget(engine.endpoint).events(executionArn, { follow: true }));
    await engine.stores.events.append(executionArn, [modelStep(executionArn, 2), modelStep(executionArn, 3)]);
    await waitFor(sfn, executionArn);
    const received = await reading;

    expect(received.map(({ seq, event }) => [seq, event.iteration])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it('resumes after a cursor, and reads only what is logged without --follow', async () => {
    const sfn = sfnClient(engine);
    const executionArn = await startScripted(sfn, 'slow', { delayMs: 2_000 });
    await engine.stores.events.append(executionArn, [1, 2, 3].map((iteration) => modelStep(executionArn, iteration)));

    const received = await collect(localTarget(engine.endpoint).events(executionArn, { after: 1, follow: false }));

    expect(received.map(({ seq }) => seq)).toEqual([2, 3]);
  });

  it('says at once when no engine answers, and how to start one', async () => {
    const reading = collect(readExecutionEvents({ baseUrl: 'http://127.0.0.1:9/', description: 'the local engine at http://127.0.0.1:9', unreachableHint: 'Start one with "stepwise dev".' }, 'arn:aws:states:us-east-1:000000000000:execution:scripted:x', { follow: true }));

    await expect(reading).rejects.toThrow(/Cannot read the events of .* from the local engine at http:\/\/127\.0\.0\.1:9: .*Start one with "stepwise dev"/);
  });
});

describe('signing requests for the deployed stack', () => {
  it('computes AWS\'s documented SigV4 signature (the get-vanilla example of the SigV4 test suite)', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      sha256: NodeSha256,
      // The test suite's canonical request has no payload-hash header.
      applyChecksum: false,
    });

    const signed = await signer.sign({ method: 'GET', protocol: 'https:', hostname: 'example.amazonaws.com', path: '/', headers: { host: 'example.amazonaws.com' } }, { signingDate: new Date('2015-08-30T12:36:00Z') });

    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('reads the region a function URL is in from its host name', () => {
    expect(functionUrlRegion(new URL('https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/'))).toBe('eu-west-1');
    expect(functionUrlRegion(new URL('http://127.0.0.1:8080/'))).toBeUndefined();
  });
});
