import { EventType, OFFLINE_LABEL, type StepwiseEvent } from '../framework';

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

/** Describes a model id for people: the offline planner says what it is. */
export function describeModel(id: string): string {
  return id === 'offline' ? OFFLINE_LABEL : id;
}

/** Renders run events as lines for a terminal, as they happen. */
export function progressPrinter(write: (line: string) => void, options: { color: boolean }): (event: StepwiseEvent) => void {
  const s = styles(options.color);
  return (event) => {
    switch (event.type) {
      case EventType.RunStarted:
        write(s.bold(`▶ ${event.agent}${event.resumed ? ' (resumed)' : ''} · model: ${describeModel(event.model)}`));
        if (!event.resumed) write(s.dim(`  task: ${oneLine(event.task, 200)}`));
        break;
      case EventType.ModelStep:
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
        write(s.bold(s.green(`■ completed · ${event.iteration} iterations · ${event.usage.inputTokens + event.usage.outputTokens} tokens · $${event.costUsd.toFixed(4)}`)));
        break;
      case EventType.RunFailed:
        write(s.bold(s.red(`■ failed · ${event.error.name}: ${event.error.message}`)));
        break;
      case EventType.RunInterrupted:
        write(s.yellow(`↻ interrupted · ${event.error.name}: ${event.error.message} (the workflow runs the turn again from its last checkpoint)`));
        break;
      default:
        break;
    }
  };
}
