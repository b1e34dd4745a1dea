import { EventType, type StepwiseEvent } from '../framework';
import { dollars } from './cost-summary';

/** Styles for the terminal, plain when colour is off. */
function styles(color: boolean) {
  const wrap = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { dim: wrap(2), bold: wrap(1), green: wrap(32), red: wrap(31), yellow: wrap(33), cyan: wrap(36) };
}

const oneLine = (value: unknown, max = 160): string => {
  const text = (typeof value === 'string' ? value : JSON.stringify(value)) ?? '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/**
 * Describes a model id for people: `offline` (a scripted `offlinePlanner`, or the model that
 * answers that none is configured) says that it is not a language model.
 */
export function describeModel(id: string): string {
  return id === 'offline' ? 'offline (deterministic, not a language model)' : id;
}

/** Prints run events; `answerShown` tells whether the final answer was already printed in full as it streamed. */
export interface ProgressPrinter {
  (event: StepwiseEvent): void;
  answerShown(answer: string): boolean;
}

/**
 * Renders run events for a terminal as they happen. Streamed text (`model.delta`) is printed as
 * it arrives — through `writeText` (no newline added) when given, else line by line — and a
 * stream that starts again after breaking off is marked as such.
 */
export function progressPrinter(write: (line: string) => void, options: { color: boolean; writeText?: (text: string) => void }): ProgressPrinter {
  const s = styles(options.color);
  const text = streamedText(write, options.writeText, s);
  const printer = (event: StepwiseEvent): void => {
    if (event.type === EventType.TextDelta) {
      text.add(event.iteration, event.attempt, event.text, s.cyan(`[${event.iteration}]`));
      return;
    }
    const streamed = text.end();
    switch (event.type) {
      case EventType.RunStarted:
        write(s.bold(`▶ ${event.agent}${event.resumed ? ' (resumed)' : ''} · model: ${describeModel(event.model)}`));
        if (!event.resumed) write(s.dim(`  task: ${oneLine(event.task, 200)}`));
        break;
      case EventType.ModelStep:
        // A streamed thought or answer is on the screen already.
        if (streamed?.iteration === event.iteration) break;
        if (event.thought.trim() && !event.final) write(`${s.cyan(`[${event.iteration}]`)} ${oneLine(event.thought, 200)}`);
        else if (event.final) write(`${s.cyan(`[${event.iteration}]`)} final answer`);
        break;
      case EventType.ToolCalled:
        write(s.dim(`    → ${event.tool} ${oneLine(event.args, 140)}`));
        break;
      case EventType.ToolCompleted:
        write(`    ${s.green('✓')} ${event.tool} ${s.dim(`${event.durationMs} ms`)} ${s.dim(oneLine(event.preview, 100))}`);
        break;
      case EventType.ToolFailed:
        write(`    ${s.red('✗')} ${event.tool} ${s.dim(`${event.durationMs} ms`)} ${event.error.message}`);
        break;
      case EventType.ApprovalRequested:
        write(s.yellow(`⏸ approval ${event.repeated ? 'still ' : ''}needed [${event.approvalId}]: ${event.tool} ${oneLine(event.args, 120)}`));
        if (event.reasoning.trim()) write(s.dim(`    reasoning: ${oneLine(event.reasoning, 160)}`));
        break;
      case EventType.ApprovalDecided:
        write(`${event.outcome === 'approved' ? s.green('✔ approved') : s.red(`✘ ${event.outcome}`)} ${event.tool}${event.reason ? s.dim(` — ${event.reason}`) : ''}`);
        break;
      case EventType.RunCompleted:
        write(s.bold(s.green(`■ completed · ${event.iteration} iterations · ${event.usage.inputTokens + event.usage.outputTokens} tokens · ${event.costUsd === null ? 'cost unknown' : dollars(event.costUsd)}`)));
        break;
      case EventType.RunFailed:
        write(s.bold(s.red(`■ failed · ${event.error.name}: ${event.error.message}`)));
        break;
      case EventType.Warning:
        write(s.yellow(`⚠ ${event.message}`));
        break;
      case EventType.RunInterrupted:
        write(s.yellow(`↻ interrupted · ${event.error.name}: ${event.error.message} (the workflow runs the turn again from its last checkpoint)`));
        break;
      default:
        break;
    }
  };
  return Object.assign(printer, { answerShown: (answer: string) => text.last() === answer.trim() });
}

/** Streamed text on the terminal: where the line is, which attempt is showing, what the last stream said. */
function streamedText(write: (line: string) => void, writeText: ((text: string) => void) | undefined, s: ReturnType<typeof styles>) {
  let current: { iteration: number; attempt: number; text: string } | undefined;
  let lastWhole = '';
  let pendingLine = '';
  const put = (piece: string): void => {
    const indented = piece.replace(/\n/g, '\n    ');
    if (writeText) return writeText(indented);
    const lines = (pendingLine + indented).split('\n');
    pendingLine = lines.pop() ?? '';
    for (const line of lines) write(line);
  };
  const closeLine = (): void => {
    if (writeText) writeText('\n');
    else if (pendingLine !== '') write(pendingLine);
    pendingLine = '';
  };
  return {
    add(iteration: number, attempt: number, piece: string, label: string): void {
      if (current && current.iteration === iteration && attempt > current.attempt) {
        closeLine();
        write(s.yellow(`    ↻ the reply broke off; the model is answering again (attempt ${attempt})`));
        current = undefined;
      } else if (current && current.iteration !== iteration) {
        closeLine();
        current = undefined;
      }
      if (!current) {
        current = { iteration, attempt, text: '' };
        put(`${label} `);
      }
      current.text += piece;
      put(piece);
    },
    /** Ends the streamed line, if one is open; returns what it streamed. */
    end(): { iteration: number; text: string } | undefined {
      if (!current) return undefined;
      closeLine();
      const ended = current;
      lastWhole = ended.text.trim();
      current = undefined;
      return ended;
    },
    last: (): string => lastWhole,
  };
}
