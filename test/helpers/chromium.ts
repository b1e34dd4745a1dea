import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Where the browser tests look for Chromium: `STEPWISE_CHROMIUM`, else the distribution's package. */
export const CHROMIUM_PATH = process.env.STEPWISE_CHROMIUM ?? '/usr/bin/chromium';

/** Whether a Chromium is there to run the console's browser tests. */
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

/** The line `npm test` prints about the browser tests: that they run, or plainly why they do not. */
export function browserTestsNotice(): string {
  return chromiumAvailable()
    ? `Console browser tests: running them with Chromium at ${CHROMIUM_PATH}.`
    : `Console browser tests: SKIPPED — no Chromium at ${CHROMIUM_PATH}. Install it (Debian: apt-get install -y chromium) or set STEPWISE_CHROMIUM to run them; CI installs it and always runs them.`;
}

/**
 * Launches the system Chromium headless with a fresh profile. The flags keep it from reaching out
 * to the network on its own (this machine's network is closed; those connections would be refused
 * and slow everything down).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  // Loaded here, not at the top: global setup reads this file only to say whether the tests run.
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = mkdtempSync(path.join(tmpdir(), 'stepwise-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
