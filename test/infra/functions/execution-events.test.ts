import { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbEventLog, EventType, type StepwiseEvent } from '../../../framework/internal';
import { createExecutionEventsEndpoint, type ConnectionLimits, type FunctionUrlRequest, type ResponseHead } from '../../../infra/functions/serve-execution-events';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Stepwise-research';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:Stepwise-research:run-1';
const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

/** The events table as DynamoDB would hold it, answering Query the way DynamoDB does. */
let table: { pk: string; sk: number; event: string }[];
let status: string;
let clock: number;
let onQuery: (call: number) => void;

function modelStep(iteration: number): StepwiseEvent {
  return { type: EventType.ModelStep, runId: EXECUTION_ARN, agent: 'research', at: '2030-01-01T00:00:00.000Z', iteration, thought: `step ${iteration}`, toolCalls: [], final: false };
}

function completed(iteration: number): StepwiseEvent {
  return { type: EventType.RunCompleted, runId: EXECUTION_ARN, agent: 'research', at: '2030-01-01T00:00:00.000Z', iteration, answer: 'done', usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0 } as StepwiseEvent;
}

function append(...events: StepwiseEvent[]): void {
  for (const event of events) table.push({ pk: EXECUTION_ARN, sk: table.filter((item) => item.pk === EXECUTION_ARN).length + 1, event: JSON.stringify(event) });
}

function request(path: string, options: { method?: string; query?: string; headers?: Record<string, string> } = {}): FunctionUrlRequest {
  return { rawPath: path, rawQueryString: options.query ?? '', headers: options.headers ?? {}, requestContext: { http: { method: options.method ?? 'GET' } } };
}

const eventsPath = (executionArn = EXECUTION_ARN) => `/executions/${encodeURIComponent(executionArn)}/events`;

interface Message {
  id?: string;
  event?: string;
  data?: string;
}

/** Runs the endpoint in process against a collecting stream, as the Lambda runtime would. */
async function serve(req: FunctionUrlRequest, limits?: ConnectionLimits): Promise<{ head: ResponseHead; body: string; messages: Message[] }> {
  const endpoint = createExecutionEventsEndpoint({
    events: new DynamoDbEventLog({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'Events' }),
    sfn: new SFNClient({ region: 'us-east-1' }),
    stateMachineArns: [STATE_MACHINE_ARN],
    pollMs: 1,
    statusIntervalMs: 0,
    now: () => clock,
  });
  let head: ResponseHead | undefined;
  let body = '';
  await endpoint(
    req,
    (given) => {
      head = given;
      return new Writable({
        write(chunk, _encoding, callback) {
          body += String(chunk);
          callback();
        },
      });
    },
    limits,
  );
  const messages = body
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)])) as Message);
  return { head: head!, body, messages };
}

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  table = [];
  status = 'RUNNING';
  clock = 0;
  onQuery = () => undefined;
  let calls = 0;
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    calls += 1;
    onQuery(calls);
    const values = input.ExpressionAttributeValues as { ':pk': string; ':after'?: number };
    const items = table.filter((item) => item.pk === values[':pk'] && (values[':after'] === undefined || item.sk > values[':after'])).sort((a, b) => a.sk - b.sk);
    return { Items: input.Limit ? items.slice(0, input.Limit) : items };
  });
  sfn.on(DescribeExecutionCommand).callsFake(() => ({ executionArn: EXECUTION_ARN, status }));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

describe('the events endpoint', () => {
  it('answers text/event-stream with every logged event, then execution.ended once the execution has stopped', async () => {
    append(modelStep(1), modelStep(2), completed(3));
    status = 'SUCCEEDED';

    const { head, messages } = await serve(request(eventsPath()));

    expect(head).toEqual({ statusCode: 200, headers: expect.objectContaining({ 'content-type': 'text/event-stream', 'cache-control': 'no-store' }) });
    expect(messages.map((message) => [message.id, message.event])).toEqual([
      ['1', EventType.ModelStep],
      ['2', EventType.ModelStep],
      ['3', EventType.RunCompleted],
      [undefined, 'execution.ended'],
    ]);
    expect(JSON.parse(messages[1].data!)).toMatchObject({ iteration: 2, thought: 'step 2' });
    expect(JSON.parse(messages[3].data!)).toEqual({ executionArn: EXECUTION_ARN, status: 'SUCCEEDED' });
  });

  it('resumes after Last-Event-ID (or ?after=), reading only the events after the cursor', async () => {
    append(modelStep(1), modelStep(2), modelStep(3), modelStep(4));
    status = 'FAILED';

    const byHeader = await serve(request(eventsPath(), { headers: { 'last-event-id': '2' } }));
    const byQuery = await serve(request(eventsPath(), { query: 'after=3' }));

    expect(byHeader.messages.map((message) => message.id)).toEqual(['3', '4', undefined]);
    expect(byQuery.messages.map((message) => message.id)).toEqual(['4', undefined]);
    // Never a scan, never the whole partition: a Query of this execution after the cursor.
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
    for (const call of dynamo.commandCalls(QueryCommand)) {
      expect(call.args[0].input).toMatchObject({ TableName: 'Events', KeyConditionExpression: '#pk = :pk AND #sk > :after', ExpressionAttributeValues: { ':pk': EXECUTION_ARN } });
    }
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':after'])).toEqual(expect.arrayContaining([2, 4, 3]));
  });

  it('sends new events as the container writes them, and ends on the run\'s final event once the execution has stopped', async () => {
    append(modelStep(1));
    onQuery = (call) => {
      if (call === 3) append(modelStep(2));
      if (call === 6) append(completed(3));
      if (call === 8) status = 'SUCCEEDED';
    };

    const { messages } = await serve(request(eventsPath()));

    expect(messages.map((message) => message.id ?? message.event)).toEqual(['1', '2', '3', 'execution.ended']);
    expect(JSON.parse(messages[3].data!).status).toBe('SUCCEEDED');
  });

  it('ends at the connection\'s time limit without the final message; the reconnecting client gets the rest, no gap, no duplicate', async () => {
    append(modelStep(1), modelStep(2));
    onQuery = (call) => {
      if (call === 2) {
        append(modelStep(3));
        clock = 1_000; // the function's time is up
      }
    };

    const first = await serve(request(eventsPath()), { stopAt: 1_000 });
    append(modelStep(4), completed(5));
    status = 'SUCCEEDED';
    onQuery = () => undefined;
    const lastSeen = first.messages.at(-1)!.id!;
    const second = await serve(request(eventsPath(), { headers: { 'last-event-id': lastSeen } }), { stopAt: 10_000 });

    expect(first.messages.map((message) => message.event)).not.toContain('execution.ended');
    const ids = [...first.messages, ...second.messages].map((message) => message.id).filter(Boolean);
    expect(ids).toEqual(['1', '2', '3', '4', '5']);
    expect(second.messages.at(-1)?.event).toBe('execution.ended');
  });

  it('ends at once after the events logged so far with ?follow=false', async () => {
    append(modelStep(1));

    const { messages } = await serve(request(eventsPath(), { query: 'follow=false' }));

    expect(messages.map((message) => message.id ?? message.event)).toEqual(['1', 'execution.ended']);
    expect(JSON.parse(messages[1].data!).status).toBe('RUNNING');
  });

  it('keeps an idle connection open with comment lines', async () => {
    onQuery = (call) => {
      clock = call * 10_000;
      if (call === 4) status = 'SUCCEEDED';
    };

    const { body } = await serve(request(eventsPath()));

    expect(body).toContain(': keepalive\n\n');
  });

  it('follows new events with a comment line on the next quiet poll, so Lambda sends a small write at once', async () => {
    append(modelStep(1));
    onQuery = (call) => {
      if (call === 4) status = 'SUCCEEDED';
    };

    const { body } = await serve(request(eventsPath()));

    // The clock does not move: the comment is not the 15-second keepalive but the nudge after the event.
    expect(body).toMatch(/^id: 1\n[^]*?\n\n: keepalive\n\n/m);
  });

  it('stops reading the table when the client goes away', async () => {
    const endpoint = createExecutionEventsEndpoint({
      events: new DynamoDbEventLog({ dynamodb: new DynamoDBClient({ region: 'us-east-1' }), tableName: 'Events' }),
      sfn: new SFNClient({ region: 'us-east-1' }),
      stateMachineArns: [STATE_MACHINE_ARN],
      pollMs: 1,
    });
    let stream: Writable | undefined;
    onQuery = (call) => {
      if (call === 5) stream!.destroy();
    };

    await endpoint(request(eventsPath()), () => {
      stream = new Writable({ write: (_chunk, _encoding, callback) => callback() });
      return stream;
    });

    expect(dynamo.commandCalls(QueryCommand).length).toBeLessThan(8);
  });
});

describe('requests the endpoint refuses', () => {
  it('answers 404 for an execution that does not exist', async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    const { head, body } = await serve(request(eventsPath()));

    expect(head.statusCode).toBe(404);
    expect(JSON.parse(body)).toMatchObject({ field: 'executionArn' });
  });

  it('answers 404 for an execution of a state machine that is not one of the stack\'s agents, without reading anything', async () => {
    const { head } = await serve(request(eventsPath('arn:aws:states:us-east-1:123456789012:execution:Other-agent:run-1')));

    expect(head.statusCode).toBe(404);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it('answers 400 naming the field for something that is not an execution ARN', async () => {
    const { head, body } = await serve(request(eventsPath('run-1')));

    expect(head.statusCode).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ field: 'executionArn', message: expect.stringContaining('not an execution ARN') });
  });

  it('answers 405 for other methods and 404 for other paths', async () => {
    const post = await serve(request(eventsPath(), { method: 'POST' }));
    const other = await serve(request('/approvals'));

    expect(post.head).toMatchObject({ statusCode: 405, headers: expect.objectContaining({ allow: 'GET' }) });
    expect(other.head.statusCode).toBe(404);
  });
});
