/** The approvals inbox: every call waiting for a human, across runs, oldest first. */
import { consoleApi } from './api';
import { approvalCard, type ApprovalCard } from './approval-card';
import { h } from './dom';
import { formatTime } from './format';
import { poll, type ConsoleContext, type Page } from './page';

const REFRESH_MS = 2_000;

export function approvalsPage(context: ConsoleContext): Page {
  const list = h('div', { class: 'approval-list' });
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading approvals…');
  const cards = new Map<string, ApprovalCard>();
  let serverOffset = 0;

  const refresh = async () => {
    const { approvals, now } = await consoleApi.approvals();
    serverOffset = Date.parse(now) - Date.now();
    // Cards are kept while their approval waits, so a half-written reason or edit survives the refresh.
    for (const [id, card] of cards) {
      if (!approvals.some((approval) => approval.approvalId === id) && !card.element.classList.contains('decided')) {
        card.element.remove();
        cards.delete(id);
      }
    }
    for (const approval of approvals) {
      if (cards.has(approval.approvalId)) continue;
      const card = approvalCard(approval, { headingLevel: 'h2', showRun: true, onDecided: (message) => context.notify(message) });
      cards.set(approval.approvalId, card);
      list.appendChild(card.element);
    }
    for (const card of cards.values()) card.tick(serverOffset);
    const waiting = approvals.length;
    status.textContent = waiting === 0 ? `Nothing waits for approval. Updated ${formatTime(Date.now())}.` : `${waiting} call${waiting === 1 ? '' : 's'} wait${waiting === 1 ? 's' : ''} for a decision. Updated ${formatTime(Date.now())}.`;
  };
  const stop = poll(refresh, () => REFRESH_MS, (error) => context.notify(`Could not load the approvals: ${(error as Error).message}`, 'error'));
  const clock = setInterval(() => {
    for (const card of cards.values()) card.tick(serverOffset);
  }, 1_000);

  const element = h('section', { class: 'approvals-page' }, h('h1', { tabindex: -1 }, 'Approvals'), status, list);
  return {
    title: 'Approvals',
    element,
    dispose() {
      stop();
      clearInterval(clock);
    },
  };
}
