import { z } from 'zod';
import { defineTool } from '../../framework';

/** A calculator tool: adds two numbers. */
export const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ sum: a + b }),
});

/** Records each execution (with its idempotency key) so tests can count side effects. */
export function sendEmailTool(sent: { to: string; idempotencyKey: string }[]) {
  return defineTool({
    name: 'send_email',
    description: 'Sends an email (a side effect: needs approval)',
    parameters: z.object({ to: z.string().email(), body: z.string() }),
    needsApproval: true,
    execute: ({ to }, context) => {
      sent.push({ to, idempotencyKey: context.idempotencyKey });
      return { sent: true, to };
    },
  });
}

/**
 * Two calls of this tool finish only when both have started: if the runner ran them one after
 * the other, the first would wait for the second until its timeout and fail.
 */
export function rendezvousTool(parties: number) {
  let arrived = 0;
  let release!: () => void;
  const together = new Promise<void>((resolve) => (release = resolve));
  return defineTool({
    name: 'rendezvous',
    description: 'Waits for its sibling calls',
    parameters: z.object({ label: z.string() }),
    timeoutMs: 5_000,
    execute: async ({ label }) => {
      arrived += 1;
      if (arrived === parties) release();
      await together;
      return { label, met: parties };
    },
  });
}
