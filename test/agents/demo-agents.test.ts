import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunState, runAgent, type RunResult } from '../../framework';
import { analysis, content, research } from '../../agents';
import { bundledToolsContext } from '../../tools';

const workspace = () => bundledToolsContext({}, { outboxDir: mkdtempSync(path.join(os.tmpdir(), 'stepwise-outbox-')) });

async function runApproving(agent: typeof research, task: string, decide: (state: RunState, approvalId: string) => void, ws = workspace()): Promise<RunResult> {
  let result = await runAgent(agent, task, { context: ws });
  while (result.status === 'AWAITING_APPROVAL') {
    for (const approval of result.approvals) decide(result.state, approval.approvalId);
    result = await runAgent(agent, result.state, { context: ws });
  }
  return result;
}

describe('the demo agents with the offline planner', () => {
  it('research: searches, reads, summarizes, extracts, classifies, asks to publish and reports with sources', async () => {
    const ws = workspace();
    const result = await runApproving(research, 'What engineering patterns make long-running AI agents reliable, auditable and affordable?', (state, id) => state.approve(id), ws);

    expect(result.status).toBe('COMPLETED');
    const answer = result.status === 'COMPLETED' ? result.answer : '';
    expect(answer).toContain('offline planner (deterministic, not an LLM)');
    expect(answer).toMatch(/## Sources\n1\. .+\[[a-z0-9-]+\]/);
    expect(answer).toContain('agent-reliability-and-retries');
    const tools = Object.values(result.state.ledger).map((entry) => entry.tool);
    expect(new Set(tools)).toEqual(new Set(['search_documents', 'get_document', 'summarize_document', 'extract_entities', 'classify_content', 'publish_report']));
    const published = Object.values(result.state.ledger).find((entry) => entry.tool === 'publish_report')!;
    expect(readFileSync((published.result as { location: string }).location, 'utf8')).toContain('## Key findings');
  });

  it('research: a rejected publication is reported as not published, with the reason', async () => {
    const result = await runApproving(research, 'How do cities use battery storage for renewable energy?', (state, id) => state.reject(id, 'needs legal review'));

    expect(result.status === 'COMPLETED' && result.answer).toContain('The report was not published: rejected by human operator: needs legal review');
  });

  it('content: drafts a brief from sources and publishes it after approval', async () => {
    const result = await runApproving(content, 'congestion pricing outcomes', (state, id) => state.approve(id));

    expect(result.status).toBe('COMPLETED');
    expect(result.status === 'COMPLETED' && result.answer).toMatch(/# Brief: congestion pricing outcomes[\s\S]*\*\*Sources:\*\* congestion-pricing-outcomes/);
  });

  it('analysis: reports statistics and grouped totals computed from the dataset', async () => {
    const result = await runAgent(analysis, 'Analyze battery-projects by technology', { context: workspace() });

    expect(result.status).toBe('COMPLETED');
    const answer = result.status === 'COMPLETED' ? result.answer : '';
    const csv = readFileSync(path.join(bundledToolsContext().corpusDir, 'datasets', 'battery-projects.csv'), 'utf8').trim().split('\n');
    expect(answer).toContain(`${csv.length - 1} rows`);
    expect(answer).toContain('## By technology');
    const header = csv[0].split(',');
    const capacity = csv.slice(1).reduce((sum, line) => sum + Number(line.split(',')[header.indexOf('capacity_mw')]), 0);
    expect(answer).toContain(`| capacity_mw |`);
    expect(answer).toContain(capacity.toLocaleString('en-US'));
  });
});

describe('the offline planner in text mode', () => {
  it('carries out every call of a plan step, one action per reply', async () => {
    const textResearch = { ...research, toolCalling: 'text' as const, maxIterations: 30 };

    const result = await runApproving(textResearch, 'What engineering patterns make long-running AI agents reliable, auditable and affordable?', (state, id) => state.approve(id));

    expect(result.status).toBe('COMPLETED');
    const count = (tool: string) => Object.values(result.state.ledger).filter((entry) => entry.tool === tool && entry.status === 'completed').length;
    expect([count('search_documents'), count('get_document'), count('summarize_document'), count('extract_entities'), count('classify_content'), count('publish_report')]).toEqual([1, 3, 3, 3, 1, 1]);
  });
});
