/** The runs list: every execution, newest first, live, filterable by status and agent. */
import type { RunSummary } from '../api-types';
import { consoleApi } from './api';
import { h, replaceChildren } from './dom';
import { EXECUTION_STATUSES, formatCount, formatDuration, formatTime, formatUsd, statusLabel } from './format';
import { poll, type ConsoleContext, type Page } from './page';
import { runHref, runsHref } from './routes';

const REFRESH_MS = 2_000;

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status.toLowerCase()}` }, statusLabel(status));
}

function row(run: RunSummary, now: number): HTMLTableRowElement {
  const duration = (run.stopDate ?? now) - run.startDate;
  return h(
    'tr',
    { 'data-execution-arn': run.executionArn },
    h('th', { scope: 'row' }, h('a', { href: runHref(run.executionArn) }, run.name)),
    h('td', {}, run.agent),
    h('td', { class: 'task-cell' }, run.task || h('span', { class: 'muted' }, '(no task)')),
    h('td', {}, statusBadge(run.status), run.pendingApprovals > 0 ? h('span', { class: 'badge waiting' }, `${run.pendingApprovals} to approve`) : null),
    h('td', {}, formatTime(run.startDate)),
    h('td', { class: 'number' }, formatDuration(duration)),
    h('td', { class: 'number' }, formatCount(run.iterations)),
    h('td', { class: 'number' }, formatUsd(run.costUsd)),
  );
}

/**
 * Puts the new rows in place, touching only rows that changed, so a keyboard user's focus on a
 * link survives the refresh.
 */
function updateRows(body: HTMLTableSectionElement, rows: HTMLTableRowElement[]): void {
  const existing = new Map([...body.rows].map((each) => [each.dataset.executionArn, each]));
  const sameOrder = rows.length === body.rows.length && rows.every((each, index) => body.rows[index].dataset.executionArn === each.dataset.executionArn);
  const placed = rows.map((fresh) => {
    const old = existing.get(fresh.dataset.executionArn);
    if (old && old.textContent === fresh.textContent) return old;
    if (old?.contains(document.activeElement)) queueMicrotask(() => fresh.querySelector('a')?.focus());
    return fresh;
  });
  if (sameOrder) {
    placed.forEach((each, index) => {
      if (body.rows[index] !== each) body.rows[index].replaceWith(each);
    });
  } else {
    replaceChildren(body, placed);
  }
}

export function runsPage(context: ConsoleContext, filters: { status?: string; agent?: string }): Page {
  const statusSelect = h('select', { id: 'filter-status', name: 'status' }, h('option', { value: '' }, 'All statuses'), EXECUTION_STATUSES.map((status) => h('option', { value: status, selected: filters.status === status }, statusLabel(status))));
  const agentSelect = h('select', { id: 'filter-agent', name: 'agent' }, h('option', { value: '' }, 'All agents'));
  const summary = h('p', { class: 'muted', role: 'status' }, 'Loading runs…');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'runs' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', {}, h('tr', {}, ['Run', 'Agent', 'Task', 'Status', 'Started', 'Duration', 'Iterations', 'Cost'].map((label) => h('th', { scope: 'col' }, label)))),
    body,
  );
  const empty = h('p', { class: 'empty', hidden: true }, 'No runs match. ', h('a', { href: '#/start' }, 'Start a run'), '.');
  const change = () => context.navigate(runsHref({ status: statusSelect.value || undefined, agent: agentSelect.value || undefined }));
  statusSelect.addEventListener('change', change);
  agentSelect.addEventListener('change', change);

  void context.agents().then(({ agents }) => {
    for (const agent of agents) agentSelect.appendChild(h('option', { value: agent.name, selected: filters.agent === agent.name }, agent.name));
  }).catch(() => undefined);

  const refresh = async () => {
    const { runs, total } = await consoleApi.runs();
    const shown = runs.filter((run) => (!filters.status || run.status === filters.status) && (!filters.agent || run.agent === filters.agent));
    const now = Date.now();
    updateRows(body, shown.map((run) => row(run, now)));
    empty.hidden = shown.length > 0;
    table.hidden = shown.length === 0;
    summary.textContent = `${shown.length} of ${total} run${total === 1 ? '' : 's'}${filters.status || filters.agent ? ' match the filters' : ''}${runs.length < total ? ` (the newest ${runs.length} are listed)` : ''}. Updated ${formatTime(now)}.`;
  };
  const stop = poll(refresh, () => REFRESH_MS, (error) => context.notify(`Could not load the runs: ${(error as Error).message}`, 'error'));

  const element = h(
    'section',
    { class: 'runs-page' },
    h('div', { class: 'page-heading' }, h('h1', { tabindex: -1 }, 'Runs'), h('a', { class: 'button', href: '#/start' }, 'Start a run')),
    h('form', { class: 'filters', 'aria-label': 'Filter runs', onsubmit: (event: Event) => event.preventDefault() }, h('div', { class: 'field inline' }, h('label', { for: 'filter-status' }, 'Status'), statusSelect), h('div', { class: 'field inline' }, h('label', { for: 'filter-agent' }, 'Agent'), agentSelect)),
    summary,
    h('div', { class: 'table-scroll' }, table),
    empty,
  );
  return { title: 'Runs', element, dispose: stop };
}
