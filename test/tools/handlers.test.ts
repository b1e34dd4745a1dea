import { readdirSync } from 'node:fs';
import path from 'node:path';
import { handler as analyzeHandler } from '../../tools/analyze_data/handler';
import { handler as searchHandler } from '../../tools/search_documents/handler';
import { toolHandler } from '../../framework/tool-handler';
import { bundledCorpusDir, bundledTools, bundledToolsContext, publishReport } from '../../tools';
import { folderWith } from './tool-context';

const toolsDir = path.resolve(__dirname, '..', '..', 'tools');

describe('bundled tool handlers', () => {
  it('answers a search invocation with an ok envelope from the bundled corpus', async () => {
    const envelope = await searchHandler({ arguments: { query: 'pumped hydro reservoirs', limit: 2 }, callId: 'c1', idempotencyKey: 'e1:c1', executionId: 'e1' });

    expect(envelope.ok).toBe(true);
    expect(envelope.ok && (envelope.result as { results: { id: string }[] }).results[0].id).toBe('pumped-hydro-revival');
  });

  it('answers invalid arguments with an error envelope the model can correct', async () => {
    const envelope = await analyzeHandler({ arguments: { csv: 'a\n1', documentId: null, columns: 'a', groupBy: null }, callId: 'c2', idempotencyKey: 'e1:c2', executionId: 'e1' });

    expect(envelope).toMatchObject({ ok: false, error: { retryable: false, issues: [expect.objectContaining({ field: 'columns' })] } });
  });

  it('dedupes a retried Lambda invocation on its idempotency key', async () => {
    const outboxDir = folderWith({});
    const handler = toolHandler(publishReport, { context: bundledToolsContext({}, { outboxDir }) });
    const event = { arguments: { title: 'Retry me', body: 'Once only.' }, callId: 'c3', idempotencyKey: 'e9:c3', executionId: 'e9' };

    const first = await handler(event);
    const second = await handler(event);

    expect(first).toMatchObject({ ok: true, result: { deduplicated: false } });
    expect(second).toMatchObject({ ok: true, result: { deduplicated: true } });
    expect(readdirSync(outboxDir)).toHaveLength(1);
  });

  it('has a folder with schema, tool and handler for every bundled tool', () => {
    for (const tool of bundledTools) {
      expect(readdirSync(path.join(toolsDir, tool.name)).sort()).toEqual(expect.arrayContaining(['handler.ts', 'schema.ts', 'tool.ts']));
    }
    expect(bundledTools.map((tool) => tool.name)).toEqual([
      'search_documents', 'get_document', 'summarize_document', 'extract_entities', 'classify_content', 'analyze_data', 'publish_report', 'request_approval',
    ]);
  });

  it('finds the bundled corpus from the sources and defaults the outbox to /tmp', () => {
    expect(bundledCorpusDir()).toBe(path.join(toolsDir, 'corpus'));
    expect(bundledToolsContext()).toEqual({ corpusDir: path.join(toolsDir, 'corpus'), outboxDir: '/tmp/stepwise-outbox' });
  });

  it('builds the context from STEPWISE_CORPUS_DIR and STEPWISE_OUTBOX_DIR, blank ones falling back to the defaults', () => {
    expect(bundledToolsContext({ STEPWISE_CORPUS_DIR: '/data/docs', STEPWISE_OUTBOX_DIR: 's3://bucket/outbox' })).toEqual({ corpusDir: '/data/docs', outboxDir: 's3://bucket/outbox' });
    expect(bundledToolsContext({ STEPWISE_CORPUS_DIR: ' ', STEPWISE_OUTBOX_DIR: '' })).toEqual({ corpusDir: path.join(toolsDir, 'corpus'), outboxDir: '/tmp/stepwise-outbox' });
  });
});
