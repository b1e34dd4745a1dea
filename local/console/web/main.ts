/**
 * The Stepwise console: the frame (navigation, the status region, the pending-approvals count)
 * and the router that swaps pages as the URL fragment changes.
 */
import type { AgentsResponse } from '../api-types';
import { consoleApi } from './api';
import { approvalsPage } from './approvals-page';
import { h, replaceChildren } from './dom';
import { poll, type ConsoleContext, type Page } from './page';
import { parseRoute } from './routes';
import { runPage } from './run-page';
import { runsPage } from './runs-page';
import { startPage } from './start-page';

const APPROVAL_COUNT_REFRESH_MS = 3_000;

function start(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const notice = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const alert = h('div', { class: 'notice error', role: 'alert' });
  const approvalsCount = h('span', { class: 'count' });
  const links = {
    runs: h('a', { href: '#/runs' }, 'Runs'),
    start: h('a', { href: '#/start' }, 'Start a run'),
    approvals: h('a', { href: '#/approvals' }, 'Approvals', approvalsCount),
  };
  const content = h('div', { class: 'content' });
  const skip = h('a', { class: 'skip-link', href: '#main-content', onclick: (event: Event) => { event.preventDefault(); content.querySelector<HTMLElement>('h1')?.focus(); } }, 'Skip to content');
  replaceChildren(
    app,
    skip,
    h('header', { class: 'top' }, h('p', { class: 'brand' }, 'Stepwise', h('span', { class: 'muted' }, ' local console')), h('nav', { 'aria-label': 'Console' }, h('ul', {}, Object.values(links).map((link) => h('li', {}, link))))),
    notice,
    alert,
    content,
  );
  app.removeAttribute('aria-live');
  content.id = 'main-content';

  let agents: Promise<AgentsResponse> | undefined;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  const context: ConsoleContext = {
    notify(message, kind = 'info') {
      const target = kind === 'error' ? alert : notice;
      target.textContent = message;
      if (noticeTimer) clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => {
        notice.textContent = '';
        alert.textContent = '';
      }, kind === 'error' ? 15_000 : 8_000);
    },
    agents() {
      agents ??= consoleApi.agents().catch((error: unknown) => {
        agents = undefined;
        throw error;
      });
      return agents;
    },
    navigate(hash) {
      if (location.hash === hash) render();
      else location.hash = hash;
    },
  };

  poll(
    async () => {
      const { approvals } = await consoleApi.approvals();
      approvalsCount.textContent = approvals.length ? ` (${approvals.length} waiting)` : '';
    },
    () => APPROVAL_COUNT_REFRESH_MS,
    () => (approvalsCount.textContent = ''),
  );

  let current: Page | undefined;
  const render = () => {
    current?.dispose();
    const route = parseRoute(location.hash);
    current =
      route.page === 'run'
        ? runPage(context, route.executionArn)
        : route.page === 'start'
          ? startPage(context, route.agent)
          : route.page === 'approvals'
            ? approvalsPage(context)
            : runsPage(context, route);
    for (const [page, link] of Object.entries(links)) {
      const active = page === route.page || (page === 'runs' && route.page === 'run');
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${current.title} · Stepwise console`;
    replaceChildren(content, current.element);
    window.scrollTo(0, 0);
    // Move focus to the new page's heading, so keyboard and screen reader users land on it.
    current.element.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  };
  window.addEventListener('hashchange', render);
  render();
}

start();
