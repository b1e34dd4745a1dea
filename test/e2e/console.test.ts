import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { encodeStoreKey, loadConfig } from '../../framework/internal';
import { startProjectEngine, type LocalEngine } from '../../local';
import { browserTestsNotice, chromiumAvailable, launchChromium } from '../helpers/chromium';
import { repositoryRoot } from '../helpers/cli';

/**
 * The console in a real browser (the system Chromium, driven by playwright-core), against the
 * local engine running the demo research agent: everything a person at the console does.
 * With STEPWISE_UPDATE_SCREENSHOTS=1 the screenshots go to docs/ (the README shows them).
 */
const UPDATE_SCREENSHOTS = process.env.STEPWISE_UPDATE_SCREENSHOTS === '1';
const BROWSER_TEST_MS = 240_000;

if (!chromiumAvailable()) {
  if (process.env.CI) {
    it('runs the console browser tests (CI must have Chromium)', () => {
      throw new Error(`${browserTestsNotice()} .ci/run installs it; this CI run did not.`);
    });
  } else {
    it.skip(browserTestsNotice(), () => undefined);
  }
}

(chromiumAvailable() ? describe : describe.skip)('the Stepwise console in Chromium', () => {
  let root: string;
  let outbox: string;
  let engine: LocalEngine;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  /** Where screenshots go: docs/ when updating them, else the test's temporary folder. */
  let screenshotFolder: string;
  const engineLog: string[] = [];
  const pageErrors: string[] = [];

  const startEngine = async (port?: number) => {
    const { config, path: configPath } = await loadConfig(path.join(repositoryRoot, 'stepwise.config.ts'));
    return startProjectEngine({
      config,
      configPath,
      root: path.join(root, '.stepwise'),
      workspace: { STEPWISE_OUTBOX_DIR: outbox },
      retryIntervalOverrides: { RunAgent: 0 },
      port,
      log: (line) => engineLog.push(line),
    });
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stepwise-console-'));
    screenshotFolder = UPDATE_SCREENSHOTS ? path.join(repositoryRoot, 'docs') : path.join(root, 'screenshots');
    mkdirSync(screenshotFolder, { recursive: true });
    outbox = path.join(root, 'outbox');
    mkdirSync(outbox, { recursive: true });
    engine = await startEngine();
    // A made-up site resolved to this machine, so a page can come from a truly foreign origin.
    browser = await launchChromium(['--host-resolver-rules=MAP evil.example 127.0.0.1']);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  const runNameOf = (url: string) => decodeURIComponent(url.split('#/runs/')[1] ?? '').split(':').pop() ?? '';
  const summaryStatus = () => page.locator('.run-summary .badge').first();
  /** The event seqs the timeline shows: each step's own, and the result of each tool call, which completes its call's step. */
  const timelineSeqs = () =>
    page
      .locator('.timeline > li')
      .evaluateAll((items) => items.flatMap((item) => [item.getAttribute('data-seq'), item.getAttribute('data-result-seq')]).filter((seq) => seq !== null).map(Number))
      .then((seqs) => seqs.sort((a, b) => a - b));

  /** Fills the Start form and returns the new run's name, once its page is open. */
  const startFromForm = async (task: string): Promise<string> => {
    await page.goto(engine.consoleUrl);
    await page.getByRole('link', { name: 'Start a run' }).first().click();
    await page.getByLabel('Agent').selectOption('research');
    await page.getByLabel('Task', { exact: true }).fill(task);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/#\/runs\/arn/);
    return runNameOf(page.url());
  };

  /** The inbox card of a run's approval, found by its approval id (the card's content changes once decided). */
  const approvalCardFor = async (run: string) => {
    const card = page.locator('article.approval-card', { has: page.getByRole('link', { name: run, exact: true }) });
    await card.waitFor({ timeout: 90_000 });
    return page.locator(`article.approval-card[data-approval-id="${await card.getAttribute('data-approval-id')}"]`);
  };

  it(
    'starts a research run from the form, fills the timeline, approves an edited title from the inbox, and shows the answer',
    async () => {
      await page.goto(engine.consoleUrl);
      await page.getByRole('heading', { name: 'Runs' }).waitFor();

      const run = await startFromForm('battery storage for the electricity grid');

      // The timeline fills as the agent works: tool calls with their arguments, then the approval.
      await page.locator('.timeline li[data-type="tool.called"]', { hasText: 'search_documents' }).first().waitFor();
      await page.locator('.timeline li[data-type="tool.called"].ok', { hasText: 'get_document' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.timeline li[data-type="approval.requested"]', { hasText: 'publish_report' }).waitFor({ timeout: 60_000 });
      await page.locator('svg.graph [data-state="RequestApproval"][data-status="in-progress"]').waitFor();
      await expect(summaryStatus().textContent()).resolves.toBe('Running');
      await page.screenshot({ path: path.join(screenshotFolder, 'console-run.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1750 } });

      await page.getByRole('navigation').getByRole('link', { name: /Approvals/ }).click();
      const card = await approvalCardFor(run);
      await expect(card.locator('dl.arguments dt').allTextContents()).resolves.toEqual(['title', 'body']);
      await card.getByRole('button', { name: 'Edit arguments' }).click();
      await page.screenshot({ path: path.join(screenshotFolder, 'console-approvals.png'), fullPage: true });

      // Checked in the page before anything is sent: an unknown key, then an empty title.
      await card.getByRole('button', { name: 'Edit as JSON' }).click();
      await card.getByLabel('Arguments of publish_report as JSON').fill(JSON.stringify({ titel: 'Typo', body: 'Body' }));
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByText('titel is not a known field (the fields are title, body)').first().waitFor();
      await card.getByRole('button', { name: 'Edit as form' }).click();
      await card.getByLabel('title', { exact: true }).fill('');
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.locator('.field-error', { hasText: 'must not be empty' }).waitFor();
      expect(await engine.stores.approvals.list()).toHaveLength(1);

      await card.getByLabel('title', { exact: true }).fill('Grid batteries, edited in the console');
      await card.getByLabel('Reason').fill('Better title');
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByText('Approved publish_report with title edited; the agent resumes.').waitFor();
      await card.getByRole('link', { name: `Follow run ${run}` }).click();

      await page.locator('.run-summary .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 90_000 });
      const answer = page.locator('section.answer');
      await answer.getByRole('heading', { name: 'Research report: battery storage for the electricity grid' }).waitFor();
      await expect(answer.locator('li').first().locator('strong').textContent()).resolves.toBeTruthy();
      await expect(answer.textContent()).resolves.toContain('The report was published to');
      expect(readdirSync(outbox).filter((file) => file.startsWith('grid-batteries-edited-in-the-console'))).toHaveLength(1);
      await page.locator('.timeline li[data-type="approval.decided"]', { hasText: 'approved' }).waitFor();
      await page.locator('.timeline li[data-type="run.completed"]').waitFor();
      await page.locator('svg.graph [data-state="Succeeded"][data-status="succeeded"]').waitFor();
      const seqs = await timelineSeqs();
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.length).toBeGreaterThan(10);

      // The AWS-shaped history is one click away, with the task tokens hidden.
      await page.getByRole('button', { name: 'Show AWS history' }).click();
      await page.locator('#history-panel').getByRole('cell', { name: 'ExecutionSucceeded', exact: true }).waitFor();
      const html = await page.content();
      expect(html).toContain('(task token hidden)');
      expect(html).not.toMatch(/swt1\.[A-Za-z0-9_-]{10}/);
      expect(page.url()).not.toContain('swt1.');
    },
    BROWSER_TEST_MS,
  );

  it(
    'rejects another run\'s call with a reason, and the answer tells what happened',
    async () => {
      const run = await startFromForm('electric buses and depot charging');
      await page.getByRole('navigation').getByRole('link', { name: /Approvals/ }).click();
      const card = await approvalCardFor(run);

      await card.getByRole('button', { name: 'Reject' }).click();
      await card.getByText('Give a reason to reject').waitFor();
      await card.getByLabel('Reason').fill('Legal has not reviewed it yet');
      await card.getByRole('button', { name: 'Reject' }).click();
      await card.getByText('Rejected publish_report; the agent is told: Legal has not reviewed it yet').waitFor();
      await card.getByRole('link', { name: `Follow run ${run}` }).click();

      await page.locator('.run-summary .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 90_000 });
      const answer = await page.locator('section.answer').textContent();
      expect(answer).toContain('The report was not published: rejected by human operator: Legal has not reviewed it yet');
      expect(answer).not.toContain('The report was published to');
      await page.locator('.timeline li[data-type="approval.decided"]', { hasText: 'rejected' }).waitFor();
      await page.locator('svg.graph [data-state="RequestApproval"][data-status="caught"]').waitFor();
    },
    BROWSER_TEST_MS,
  );

  it(
    'stops and redrives a run from its page, and its timeline resumes without a gap or a repeat after the engine restarts',
    async () => {
      const run = await startFromForm('offshore wind and the grid');
      await page.locator('.timeline li[data-type="approval.requested"]').waitFor({ timeout: 90_000 });

      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await page.getByRole('button', { name: 'Stop run' }).click();
      await page.locator('.run-summary .badge', { hasText: 'Stopped' }).waitFor();
      await page.locator('svg.graph [data-status="stopped"]').first().waitFor();
      await page.getByRole('button', { name: 'Redrive' }).click();
      await page.locator('.run-summary .badge', { hasText: 'Running' }).waitFor();
      await page.locator('details.pending-approval').waitFor({ timeout: 60_000 });
      await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
      await page.locator('table.runs tr', { hasText: run }).getByText('1 to approve').waitFor();
      await page.screenshot({ path: path.join(screenshotFolder, 'console-runs.png') });
      await page.getByRole('link', { name: run }).click();
      await page.locator('details.pending-approval').waitFor();

      // The engine restarts while the run waits: the page reconnects, fetches the new console
      // secret when its old one is refused, and the decision goes through.
      const port = engine.port;
      await engine.stop();
      await page.locator('.connection', { hasText: 'reconnecting' }).waitFor();
      engine = await startEngine(port);
      await page.locator('.connection', { hasText: 'Live' }).waitFor({ timeout: 30_000 });
      await page.locator('details.pending-approval summary').click();
      await page.locator('details.pending-approval').getByRole('button', { name: 'Approve' }).click();
      await page.locator('.decided-note', { hasText: 'Approved publish_report; the agent resumes.' }).waitFor();

      await page.locator('.run-summary .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 90_000 });
      await page.locator('.timeline li[data-type="run.completed"]').waitFor();
      // Every logged step once, in order (usage updates change the summary, not the timeline).
      const logged = await engine.stores.events.read(`arn:aws:states:us-east-1:000000000000:execution:research:${run}`);
      expect(await timelineSeqs()).toEqual(logged.filter((entry) => entry.event.type !== 'usage.updated').map((entry) => entry.seq));

      await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
      await page.getByRole('link', { name: run }).waitFor();
      await page.getByLabel('Status').selectOption('SUCCEEDED');
      await page.getByLabel('Agent').selectOption('research');
      await page.getByRole('link', { name: run }).waitFor();
      expect(new Set(await page.locator('table.runs tbody .badge').allTextContents())).toEqual(new Set(['Succeeded']));
    },
    BROWSER_TEST_MS,
  );

  it(
    'labels every control, names every button, and works from the keyboard',
    async () => {
      /** Controls without an accessible name, on the page as it is now. */
      const unlabelled = () =>
        page.evaluate(`[...document.querySelectorAll('input, select, textarea, button, a[href]')]
          .filter((element) => {
            const named = (element.labels?.length ?? 0) > 0 || element.getAttribute('aria-label') || element.getAttribute('aria-labelledby') || element.textContent.trim();
            return !named && !(element.closest('[hidden]') || element.closest('details:not([open])'));
          })
          .map((element) => element.outerHTML.slice(0, 120))`) as Promise<string[]>;

      await page.goto(engine.consoleUrl);
      await page.locator('table.runs tbody tr').first().waitFor();
      expect(await unlabelled()).toEqual([]);

      // Start a run with the keyboard alone.
      await page.getByRole('navigation').getByRole('link', { name: 'Start a run' }).focus();
      await page.keyboard.press('Enter');
      await page.getByLabel('Agent').waitFor();
      expect(await unlabelled()).toEqual([]);
      await page.getByLabel('Agent').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.type('heat pumps in cold climates');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/runs\/arn/);
      await page.locator('.timeline li[data-type="approval.requested"]').waitFor({ timeout: 90_000 });
      expect(await page.evaluate('document.activeElement.tagName')).toBe('H1');
      expect(await unlabelled()).toEqual([]);

      await page.getByRole('navigation').getByRole('link', { name: /Approvals/ }).click();
      const card = page.locator('article.approval-card').first();
      await card.getByRole('button', { name: 'Edit arguments' }).click();
      expect(await unlabelled()).toEqual([]);
      // The status of each run is written, not only coloured.
      await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
      await expect(page.locator('table.runs tbody .badge').first().textContent()).resolves.toMatch(/\w/);
    },
    BROWSER_TEST_MS,
  );

  it(
    'refuses what a page on another site sends to the engine, and that page cannot read the console',
    async () => {
      const evil = await evilSite(engine.endpoint);
      const attacker = await browser.context.newPage();
      try {
        await attacker.goto(`http://evil.example:${evil.port}/`);
        const results = (await attacker.evaluate('window.attack')) as Record<string, string>;

        // The page could read nothing of the engine's...
        expect(results.readConsole).toBe('blocked');
        expect(results.readApprovals).toBe('blocked');
        // ...and what it could send was refused: no tool ran, no approval was forged...
        expect(readdirSync(outbox).filter((file) => file.startsWith('pwned'))).toEqual([]);
        expect((await engine.stores.approvals.list()).filter((approval) => approval.approvalId === 'forged')).toEqual([]);
        // ...by the engine, which the requests did reach.
        expect(engineLog.some((line) => line.startsWith('Refused POST /2015-03-31/functions/publish_report/invocations') && line.includes('http://evil.example'))).toBe(true);
        expect(engineLog.some((line) => line.startsWith('Refused POST /2015-03-31/functions/stepwise-approval-notifier/invocations'))).toBe(true);
      } finally {
        await attacker.close();
        await evil.close();
      }
    },
    BROWSER_TEST_MS,
  );

  // Last: it damages the log of a run for good.
  it(
    "says on a run's page that its event log is damaged, naming the file, instead of reconnecting forever",
    async () => {
      const research = 'arn:aws:states:us-east-1:000000000000:stateMachine:research';
      const finished = engine.executions.list(research)[0] ?? engine.executions.start({ stateMachineArn: research, input: JSON.stringify({ task: 'tidal power' }) });
      for (;;) {
        if ((await engine.stores.events.read(finished.executionArn)).length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const logFile = path.join(root, '.stepwise', 'events', `${encodeStoreKey(finished.executionArn)}.jsonl`);
      const lines = readFileSync(logFile, 'utf8').split('\n');
      lines[1] = '{"seq":2,"event":{"type":"run.sta';
      writeFileSync(logFile, lines.join('\n'));

      await page.goto(`${engine.consoleUrl}#/runs/${encodeURIComponent(finished.executionArn)}`);

      await page.locator('.connection', { hasText: 'The events of this run cannot be read' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.connection').textContent()).toContain(`${logFile}:2`);
      expect(await page.locator('.timeline > li').count()).toBe(1);
    },
    BROWSER_TEST_MS,
  );
});

/** A site on another origin whose page tries what a hostile page would against the engine. */
async function evilSite(engineEndpoint: string): Promise<{ port: number; close: () => Promise<void> }> {
  const script = `
    window.attack = (async () => {
      const engine = ${JSON.stringify(engineEndpoint)};
      const results = {};
      // "Simple" requests: the browser sends them without asking the engine first.
      await fetch(engine + '/2015-03-31/functions/publish_report/invocations', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ arguments: { title: 'pwned', body: 'pwned' }, callId: 'c1', idempotencyKey: 'evil:c1', executionId: 'evil' }) }).catch(() => undefined);
      await fetch(engine + '/2015-03-31/functions/stepwise-approval-notifier/invocations', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ taskToken: 't', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:research:x', agent: 'research', approval: { approvalId: 'forged', callId: 'c', tool: 'publish_report', args: {}, reasoning: 'r', timeoutSeconds: 60 } }) }).catch(() => undefined);
      // Reads: the console page (it holds the secret) and the approvals.
      results.readConsole = await fetch(engine + '/').then((response) => response.text()).then(() => 'read', () => 'blocked');
      results.readApprovals = await fetch(engine + '/approvals').then((response) => response.text()).then(() => 'read', () => 'blocked');
      return results;
    })();`;
  const server: Server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(`<!doctype html><title>A page on the web</title><h1>Nothing to see</h1><script>${script}</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      // Chromium keeps its connection open; close it rather than wait for it to time out.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
