import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeBedrock, type BedrockRequest, type FakeBedrockReply, type FakeBedrockServer } from '../helpers/fake-bedrock-server';
import { repositoryRoot, runCli } from '../helpers/cli';

const config = path.join(repositoryRoot, 'test', 'fixtures', 'support.config.ts');
const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

const toolResults = (request: BedrockRequest) => request.body.messages.flatMap((message) => message.content.filter((block) => 'toolResult' in block));

/** A Claude on Bedrock that looks two orders up in parallel (one id malformed), corrects it, asks to refund, then answers. */
function script(request: BedrockRequest): FakeBedrockReply {
  const results = toolResults(request);
  if (results.length === 0) {
    return { text: 'Looking up both orders.', toolUses: [{ toolUseId: 'tu_a', name: 'lookup_order', input: { orderId: 'ORD-7' } }, { toolUseId: 'tu_b', name: 'lookup_order', input: { orderId: '1042' } }], usage: { inputTokens: 1_000, outputTokens: 100 } };
  }
  if (results.length === 2) return { text: 'Fixing the id.', toolUses: [{ toolUseId: 'tu_c', name: 'lookup_order', input: { orderId: 'ORD-1042' } }], usage: { inputTokens: 1_000, outputTokens: 100 } };
  if (results.length === 3) return { text: 'Refunding.', toolUses: [{ toolUseId: 'tu_d', name: 'issue_refund', input: { orderId: 'ORD-1042', amountUsd: 20 } }], usage: { inputTokens: 1_000, outputTokens: 100 } };
  return { text: 'Refunded ORD-1042.', usage: { inputTokens: 1_000, outputTokens: 100 } };
}

describe.each([
  ['through the local engine', []],
  ['in process', ['--in-process']],
])('stepwise run with a bedrock: model (%s)', (_mode, extraArgs) => {
  let server: FakeBedrockServer | undefined;
  afterEach(async () => server?.close());

  it('runs parallel tool calls through ConverseStream at the endpoint and region of the standard AWS settings', async () => {
    server = await startFakeBedrock(script);

    const result = await runCli(['run', 'support', 'Refund order 1042', '--config', config, '--model', `bedrock:${CLAUDE}`, '--approve', 'all', '--json', ...extraArgs], {
      cwd: mkdtempSync(path.join(os.tmpdir(), 'stepwise-cli-')),
      env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_BEDROCK_RUNTIME: server.endpoint },
    });

    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'COMPLETED', model: `bedrock:${CLAUDE}`, answer: 'Refunded ORD-1042.', iterations: 4, usage: { inputTokens: 4_000, outputTokens: 400 } });
    expect(summary.toolCalls).toEqual([
      { tool: 'lookup_order', args: { orderId: 'ORD-7' }, ok: true },
      { tool: 'lookup_order', args: { orderId: '1042' }, ok: false },
      { tool: 'lookup_order', args: { orderId: 'ORD-1042' }, ok: true },
      { tool: 'issue_refund', args: { orderId: 'ORD-1042', amountUsd: 20 }, ok: true, approved: true },
    ]);
    expect(server.requests.every((request) => request.modelId === CLAUDE && request.stream)).toBe(true);
    // Both results of the parallel calls went back in one user turn, the malformed id named.
    const second = server.requests.find((request) => toolResults(request).length === 2)!;
    const lastTurn = second.body.messages.at(-1)!;
    expect(lastTurn.role).toBe('user');
    expect(lastTurn.content.map((block) => block.toolResult.toolUseId)).toEqual(['tu_a', 'tu_b']);
    expect(lastTurn.content[1].toolResult.content[0].text).toContain('order ids look like ORD-1042');
  });
});
