/**
 * A run's step timeline, built from its progress events as they stream: thoughts (streamed text
 * when the model streams), tool calls with their arguments, results, durations and outcome,
 * approvals and decisions, and how the run ended. Usage and cost update a summary; the final
 * answer goes to the answer panel, rendered as Markdown.
 */
import { h, replaceChildren, type Child } from './dom';
import type { StreamedEvent } from './event-stream';
import { formatCount, formatDuration, formatUsd } from './format';
import { renderMarkdown } from './markdown-view';
import { renderArguments } from './value-view';

/** What the timeline learned about the run, for the page's summary. */
export interface RunFigures {
  iterations: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  answer?: string;
  failure?: { name: string; message: string };
}

const LARGE_ARGUMENTS = 400;

const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

/** Whether an event of a type this console does not know carries streamed model text. */
function streamedText(event: StreamedEvent): string | undefined {
  if (!/delta/i.test(event.type)) return undefined;
  const { delta, text } = event.data as { delta?: unknown; text?: unknown };
  return typeof delta === 'string' ? delta : typeof text === 'string' ? text : undefined;
}

export class Timeline {
  readonly element: HTMLOListElement;
  readonly figures: RunFigures = { iterations: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  private readonly calls = new Map<string, HTMLElement>();
  private readonly seen = new Set<number>();
  private streaming?: { item: HTMLElement; text: HTMLElement };
  private startedAt?: number;

  constructor(private readonly onChange: () => void) {
    this.element = h('ol', { class: 'timeline', 'aria-label': 'Steps of the run' });
  }

  /** The highest event seq shown. */
  get lastSeq(): number {
    return Math.max(0, ...this.seen);
  }

  add(event: StreamedEvent): void {
    if (this.seen.has(event.seq)) return;
    this.seen.add(event.seq);
    const data = event.data as Record<string, unknown>;
    const at = Date.parse(str(data.at));
    this.startedAt ??= Number.isFinite(at) ? at : undefined;
    if (typeof data.iteration === 'number') this.figures.iterations = Math.max(this.figures.iterations, data.iteration);
    const item = this.render(event, data);
    if (item) {
      item.dataset.seq = String(event.seq);
      item.dataset.type = event.type;
      item.prepend(h('span', { class: 'when' }, this.startedAt !== undefined && Number.isFinite(at) ? `+${formatDuration(at - this.startedAt)}` : ''));
      this.element.appendChild(item);
    }
    this.onChange();
  }

  private item(kind: string, label: Child, ...content: Child[]): HTMLLIElement {
    return h('li', { class: `step step-${kind}` }, h('p', { class: 'step-label' }, label), ...content);
  }

  private render(event: StreamedEvent, data: Record<string, unknown>): HTMLElement | undefined {
    const delta = streamedText(event);
    if (delta !== undefined) {
      if (!this.streaming) {
        const text = h('p', { class: 'thought streaming' });
        this.streaming = { item: this.item('thought', 'Thinking (streaming)…', text), text };
        text.textContent = delta;
        return this.streaming.item;
      }
      this.streaming.text.textContent += delta;
      return undefined;
    }
    switch (event.type) {
      case 'run.started':
        return this.item('start', `${data.resumed ? 'Run resumed' : 'Run started'} · model ${str(data.model)}`);
      case 'model.step': {
        this.streaming?.item.remove();
        this.streaming = undefined;
        const calls = Array.isArray(data.toolCalls) ? (data.toolCalls as { name: string }[]).map((call) => call.name) : [];
        return this.item(
          'thought',
          data.final ? 'Thought · ready to answer' : calls.length ? `Thought · calls ${calls.join(', ')}` : 'Thought',
          str(data.thought) ? h('p', { class: 'thought' }, str(data.thought)) : null,
        );
      }
      case 'tool.called': {
        const status = h('span', { class: 'call-status status-running' }, 'running');
        const argsText = JSON.stringify(data.args ?? {});
        const args = argsText.length > LARGE_ARGUMENTS ? h('details', {}, h('summary', {}, `Arguments (${formatCount(argsText.length)} characters)`), renderArguments(data.args)) : renderArguments(data.args);
        const item = this.item('tool', [h('code', {}, str(data.tool)), ' · ', status], args);
        this.calls.set(str(data.callId), item);
        return item;
      }
      case 'tool.completed':
      case 'tool.failed': {
        const ok = event.type === 'tool.completed';
        const error = data.error as { name?: string; message?: string } | undefined;
        const outcome = [
          h('span', { class: `call-status status-${ok ? 'ok' : 'failed'}` }, ok ? 'ok' : 'failed'),
          ` · ${formatDuration(Number(data.durationMs))}`,
        ];
        const detail = ok ? h('pre', { class: 'result-preview', tabindex: 0 }, str(data.preview)) : h('p', { class: 'error-text' }, `${error?.name ?? 'Error'}: ${error?.message ?? ''}`);
        const call = this.calls.get(str(data.callId));
        if (call) {
          call.querySelector('.call-status')?.replaceWith(...outcome.map((part) => (typeof part === 'string' ? document.createTextNode(part) : part)));
          call.appendChild(h('div', { class: 'result' }, h('p', { class: 'result-label' }, ok ? 'Result' : 'Error'), detail));
          call.classList.add(ok ? 'ok' : 'failed');
          call.dataset.resultSeq = String(event.seq);
          return undefined;
        }
        return this.item('tool', [h('code', {}, str(data.tool)), ' · ', ...outcome], detail);
      }
      case 'approval.requested':
        return this.item(
          'approval',
          ['Approval requested for ', h('code', {}, str(data.tool))],
          h('p', { class: 'reasoning' }, str(data.reasoning)),
          renderArguments(data.args),
          h('p', {}, h('a', { href: '#/approvals' }, 'Decide in the approvals inbox')),
        );
      case 'approval.decided':
        return this.item('decision', ['Decision on ', h('code', {}, str(data.tool)), `: ${str(data.outcome)}`], data.reason ? h('p', {}, `Reason: ${str(data.reason)}`) : null);
      case 'usage.updated': {
        const usage = data.usage as { inputTokens?: number; outputTokens?: number } | undefined;
        this.figures.inputTokens = usage?.inputTokens ?? this.figures.inputTokens;
        this.figures.outputTokens = usage?.outputTokens ?? this.figures.outputTokens;
        this.figures.costUsd = typeof data.costUsd === 'number' || data.costUsd === null ? data.costUsd : this.figures.costUsd;
        return undefined;
      }
      case 'run.paused':
        return this.item('pause', `Paused: waiting for ${str(data.pendingApprovals)} approval${data.pendingApprovals === 1 ? '' : 's'} (no container runs meanwhile)`);
      case 'run.completed': {
        const usage = data.usage as { inputTokens?: number; outputTokens?: number } | undefined;
        this.figures.answer = str(data.answer);
        this.figures.inputTokens = usage?.inputTokens ?? this.figures.inputTokens;
        this.figures.outputTokens = usage?.outputTokens ?? this.figures.outputTokens;
        this.figures.costUsd = typeof data.costUsd === 'number' || data.costUsd === null ? data.costUsd : this.figures.costUsd;
        return this.item('end', `Run completed · ${formatCount(this.figures.inputTokens + this.figures.outputTokens)} tokens · ${formatUsd(this.figures.costUsd)}`, h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => document.getElementById('answer-heading')?.focus() }, 'Go to the answer')));
      }
      case 'run.failed': {
        const error = data.error as { name?: string; message?: string } | undefined;
        this.figures.failure = { name: error?.name ?? 'Error', message: error?.message ?? '' };
        return this.item('failed', `Run failed: ${this.figures.failure.name}`, h('p', { class: 'error-text' }, this.figures.failure.message));
      }
      default:
        return this.item('other', event.type, h('pre', { class: 'json-block', tabindex: 0 }, JSON.stringify(data, null, 2)));
    }
  }
}

/** The answer panel's content: the answer as Markdown. */
export function renderAnswer(container: HTMLElement, answer: string): void {
  replaceChildren(container, renderMarkdown(answer, 2));
}
