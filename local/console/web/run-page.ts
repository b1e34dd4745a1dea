/**
 * One run: its summary, the state machine graph with the current state highlighted, the live
 * timeline, the approvals it waits for, the answer, stop and redrive, and the AWS-shaped history.
 * Describe, history, stop and redrive go through the Step Functions API like any client.
 */
import { layoutStateMachine, type AslLike, type StateGraph } from '../shared/asl-graph';
import { redactTaskTokens } from '../shared/redact';
import { stateStatuses } from '../shared/state-progress';
import { ApiError, consoleApi, executionHistory, sfn, type DescribedExecution, type HistoryEvent } from './api';
import { approvalCard, type ApprovalCard } from './approval-card';
import { h, replaceChildren } from './dom';
import { followEvents } from './event-stream';
import { formatCount, formatDuration, formatTime, formatUsd } from './format';
import { renderGraph } from './graph-view';
import { poll, type ConsoleContext, type Page } from './page';
import { statusBadge } from './runs-page';
import { renderAnswer, Timeline } from './timeline';

const RUNNING_REFRESH_MS = 1_500;
const IDLE_REFRESH_MS = 5_000;
const REDRIVABLE = ['FAILED', 'TIMED_OUT', 'ABORTED'];

function historyTable(events: readonly HistoryEvent[]): HTMLElement {
  const start = events[0]?.timestamp ?? 0;
  return h(
    'table',
    { class: 'history' },
    h('caption', { class: 'visually-hidden' }, 'Execution history events'),
    h('thead', {}, h('tr', {}, ['ID', 'Time', 'Type', 'Details'].map((label) => h('th', { scope: 'col' }, label)))),
    h(
      'tbody',
      {},
      events.map((event) => {
        const { id, previousEventId: _previous, timestamp, type, ...details } = event;
        const shown = redactTaskTokens(details) as Record<string, unknown>;
        return h(
          'tr',
          {},
          h('td', { class: 'number' }, String(id)),
          h('td', {}, `+${formatDuration((timestamp - start) * 1000)}`),
          h('td', {}, type),
          h('td', {}, Object.keys(shown).length ? h('details', {}, h('summary', {}, Object.keys(shown).join(', ')), h('pre', { class: 'json-block', tabindex: 0 }, JSON.stringify(shown, null, 2))) : ''),
        );
      }),
    ),
  );
}

export function runPage(context: ConsoleContext, executionArn: string): Page {
  const name = executionArn.split(':').pop() ?? executionArn;
  const heading = h('h1', { tabindex: -1 }, `Run ${name}`);
  const summary = h('dl', { class: 'run-summary' });
  const task = h('p', { class: 'task' });
  const connection = h('p', { class: 'connection muted', role: 'status' }, 'Connecting to the event stream…');
  const actions = h('div', { class: 'actions' });
  const approvalsSection = h('section', { class: 'run-approvals', 'aria-labelledby': 'run-approvals-heading', hidden: true }, h('h2', { id: 'run-approvals-heading' }, 'Waiting for your decision'));
  const answerBody = h('div', { class: 'answer-body' });
  const answerSection = h('section', { class: 'answer', 'aria-labelledby': 'answer-heading', hidden: true }, h('h2', { id: 'answer-heading', tabindex: -1 }, 'Answer'), answerBody);
  const errorSection = h('section', { class: 'run-error', role: 'alert', hidden: true });
  const graphHolder = h('div', { class: 'graph-holder' }, h('p', { class: 'muted' }, 'Loading the state machine…'));
  const historyHolder = h('div', { id: 'history-panel', hidden: true });
  const historyButton = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': 'history-panel' }, 'Show AWS history');
  const cards = new Map<string, ApprovalCard>();
  let execution: DescribedExecution | undefined;
  let graph: StateGraph | undefined;
  let graphKey = '';
  let history: HistoryEvent[] = [];
  let follower: ReturnType<typeof followEvents> | undefined;
  let followerDone = false;
  let confirmingStop = false;
  let serverOffset = 0;

  const timeline = new Timeline(() => renderSummary());

  const renderSummary = () => {
    if (!execution) return;
    const stop = execution.stopDate !== undefined ? execution.stopDate * 1000 : Date.now();
    const output = execution.output ? (JSON.parse(execution.output) as { iterations?: number; costUsd?: number | null; usage?: { inputTokens?: number; outputTokens?: number }; answer?: string }) : undefined;
    const numbers = timeline.figures;
    const inputTokens = output?.usage?.inputTokens ?? numbers.inputTokens;
    const outputTokens = output?.usage?.outputTokens ?? numbers.outputTokens;
    const entries: [string, HTMLElement | string][] = [
      ['Agent', execution.stateMachineArn.split(':').pop() ?? ''],
      ['Status', statusBadge(execution.status)],
      ['Started', formatTime(execution.startDate * 1000)],
      ['Duration', formatDuration(stop - execution.startDate * 1000)],
      ['Iterations', formatCount(output?.iterations ?? numbers.iterations)],
      ['Tokens', `${formatCount(inputTokens)} in · ${formatCount(outputTokens)} out`],
      ['Cost', formatUsd(output?.costUsd ?? numbers.costUsd)],
    ];
    if (execution.redriveCount) entries.push(['Redriven', `${execution.redriveCount} time${execution.redriveCount === 1 ? '' : 's'}`]);
    replaceChildren(summary, entries.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value))));
    const answer = numbers.answer ?? output?.answer;
    if (answer !== undefined && answerSection.hidden) {
      renderAnswer(answerBody, answer);
      answerSection.hidden = false;
    }
    if (execution.error || numbers.failure) {
      errorSection.hidden = false;
      replaceChildren(errorSection, h('h2', {}, 'Why it stopped'), h('p', {}, h('strong', {}, execution.error ?? numbers.failure?.name ?? ''), `: ${execution.cause ?? numbers.failure?.message ?? ''}`));
    } else {
      errorSection.hidden = true;
    }
  };

  const renderActions = () => {
    if (!execution) return;
    const buttons: HTMLElement[] = [];
    if (execution.status === 'RUNNING') {
      if (confirmingStop) {
        buttons.push(
          h('span', { class: 'confirm', role: 'group', 'aria-label': 'Confirm stop' }, 'Stop this run? The agent is interrupted; you can redrive it later. ',
            h('button', { type: 'button', class: 'reject', onclick: () => void act('StopExecution') }, 'Stop run'),
            h('button', { type: 'button', class: 'secondary', onclick: () => { confirmingStop = false; renderActions(); } }, 'Keep running')),
        );
      } else {
        buttons.push(h('button', { type: 'button', class: 'reject', onclick: () => { confirmingStop = true; renderActions(); actions.querySelector<HTMLButtonElement>('.confirm button')?.focus(); } }, 'Stop'));
      }
    }
    if (REDRIVABLE.includes(execution.status) && execution.redriveStatus !== 'NOT_REDRIVABLE') {
      buttons.push(h('button', { type: 'button', onclick: () => void act('RedriveExecution') }, 'Redrive'));
    }
    buttons.push(historyButton);
    replaceChildren(actions, buttons);
  };

  const act = async (operation: 'StopExecution' | 'RedriveExecution') => {
    try {
      await sfn(operation, operation === 'StopExecution' ? { executionArn, error: 'Stepwise.StoppedFromConsole', cause: 'Stopped from the Stepwise console' } : { executionArn });
      context.notify(operation === 'StopExecution' ? `Stopped run ${name}.` : `Redrove run ${name}; it resumes from its last checkpoint.`);
      confirmingStop = false;
      await refresh();
    } catch (error) {
      context.notify(`${operation === 'StopExecution' ? 'Could not stop' : 'Could not redrive'} the run: ${error instanceof ApiError ? error.message : String(error)}`, 'error');
    }
  };

  historyButton.addEventListener('click', () => {
    historyHolder.hidden = !historyHolder.hidden;
    historyButton.setAttribute('aria-expanded', String(!historyHolder.hidden));
    historyButton.textContent = historyHolder.hidden ? 'Show AWS history' : 'Hide AWS history';
    if (!historyHolder.hidden) renderHistory();
  });
  const renderHistory = () => {
    replaceChildren(historyHolder, h('h2', {}, 'History (as GetExecutionHistory answers, task tokens hidden)'), historyTable(history));
  };

  const follow = () => {
    follower?.stop();
    followerDone = false;
    follower = followEvents(executionArn, timeline.lastSeq, {
      onEvent: (event) => timeline.add(event),
      onEnded: (status) => {
        followerDone = true;
        connection.textContent = `All events received; the run is ${status.toLowerCase()}.`;
      },
      onFailed: (message) => {
        followerDone = true;
        connection.textContent = `The events of this run cannot be read: ${message}`;
        connection.classList.add('error-text');
      },
      onConnection: (state) => {
        connection.textContent = state === 'connected' ? 'Live: events appear as they happen.' : 'The event stream dropped; reconnecting (no event is lost)…';
      },
    });
  };

  const refreshApprovals = async () => {
    const { approvals, now } = await consoleApi.approvals();
    serverOffset = Date.parse(now) - Date.now();
    const mine = approvals.filter((approval) => approval.executionArn === executionArn);
    for (const [id, card] of cards) {
      if (!mine.some((approval) => approval.approvalId === id) && !card.element.classList.contains('decided')) {
        (card.element.closest('details') ?? card.element).remove();
        cards.delete(id);
      }
    }
    for (const approval of mine) {
      if (cards.has(approval.approvalId)) continue;
      const card = approvalCard(approval, { headingLevel: 'h3', showRun: false, onDecided: (message) => context.notify(message) });
      cards.set(approval.approvalId, card);
      // One line per waiting call; the full card (arguments, edit, reason) opens on demand, so the
      // graph and the timeline stay in view.
      approvalsSection.appendChild(
        h(
          'details',
          { class: 'pending-approval' },
          h('summary', {}, h('code', {}, approval.tool), ` waits for your decision (asked ${formatTime(Date.parse(approval.requestedAt))}). Decide here, or in the `, h('a', { href: '#/approvals' }, 'approvals inbox'), '.'),
          card.element,
        ),
      );
    }
    for (const card of cards.values()) card.tick(serverOffset);
    approvalsSection.hidden = cards.size === 0;
  };

  const refresh = async () => {
    const previous = execution?.status;
    execution = await sfn<DescribedExecution>('DescribeExecution', { executionArn });
    task.textContent = (() => {
      try {
        return String((JSON.parse(execution.input ?? '{}') as { task?: unknown }).task ?? '');
      } catch {
        return '';
      }
    })();
    if (!graph) {
      const machine = await sfn<{ definition: string }>('DescribeStateMachine', { stateMachineArn: execution.stateMachineArn });
      graph = layoutStateMachine(JSON.parse(machine.definition) as AslLike);
    }
    history = await executionHistory(executionArn);
    const statuses = stateStatuses(history);
    const key = JSON.stringify([...statuses]);
    if (key !== graphKey) {
      graphKey = key;
      replaceChildren(graphHolder, renderGraph(graph, statuses));
    }
    if (!historyHolder.hidden) renderHistory();
    // A redriven (or restarted) run logs new events: follow the stream again from the last one.
    if (execution.status === 'RUNNING' && (follower === undefined || (followerDone && previous !== 'RUNNING'))) follow();
    await refreshApprovals();
    renderSummary();
    if (previous !== execution.status) renderActions();
  };

  const stopPolling = poll(refresh, () => (execution?.status === 'RUNNING' ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS), (error) => {
    connection.textContent = `Could not refresh the run: ${(error as Error).message}`;
  });

  const element = h(
    'section',
    { class: 'run-page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', name),
    heading,
    summary,
    h('h2', { class: 'visually-hidden' }, 'Task'),
    task,
    actions,
    connection,
    approvalsSection,
    errorSection,
    answerSection,
    h('section', { class: 'graph-section', 'aria-labelledby': 'graph-heading' }, h('h2', { id: 'graph-heading' }, 'State machine'), graphHolder),
    h('section', { class: 'timeline-section', 'aria-labelledby': 'timeline-heading' }, h('h2', { id: 'timeline-heading' }, 'Timeline'), timeline.element),
    historyHolder,
  );
  return {
    title: `Run ${name}`,
    element,
    dispose() {
      stopPolling();
      follower?.stop();
    },
  };
}
