import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { defineAgent, defineTool, type PendingApproval } from '../../framework';
import { ApprovalPromptInterrupted, createApprover, editedArgumentsValidator } from '../../cli/approver';
import { readCliEnvironment } from '../../cli/environment';

const publish = defineTool({
  name: 'publish',
  description: 'Publishes a report',
  parameters: z.object({ title: z.string(), body: z.string() }),
  needsApproval: true,
  execute: () => ({ ok: true }),
});
const agent = defineAgent({ name: 'writer', description: 'Writes', tools: [publish] });

const approval = (args: Record<string, unknown>): PendingApproval => ({
  approvalId: 'apv-1',
  callId: 'call-1',
  tool: 'publish',
  args,
  reasoning: 'ready',
  requestedAt: new Date(0).toISOString(),
  timeoutSeconds: 60,
});

/** A terminal the test types into: what the prompt printed so far, and a way to type a line. */
function terminal(options: { editor?: string } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk) => (printed += chunk));
  const approver = createApprover(
    'ask',
    { interactive: true, input, output, notice: () => undefined, editor: options.editor, decideLater: (pending) => `Decide later: stepwise approve ${pending.approvalId}.` },
    editedArgumentsValidator(agent),
  );
  /** Waits until `text` has been printed `times` times (a prompt asked again). */
  const waitFor = async (text: string, times = 1) => {
    for (let i = 0; i < 500 && printed.split(text).length - 1 < times; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { approver, input, printed: () => printed, waitFor, type: (line: string) => input.write(line) };
}

describe('the --approve ask prompt', () => {
  it('leaves the approval undecided on one Ctrl-C and says how to decide later', async () => {
    const term = terminal();
    const decision = term.approver(approval({ title: 'T', body: 'B' }));
    await term.waitFor('Approve?');
    term.type('\x03');
    await expect(decision).rejects.toThrow(ApprovalPromptInterrupted);
    await expect(decision).rejects.toThrow('Left approval apv-1 (publish) undecided. Decide later: stepwise approve apv-1.');
  });

  it('merges typed edits into the arguments, as stepwise approve --args does, and checks them', async () => {
    const term = terminal();
    const decision = term.approver(approval({ title: 'Draft', body: 'The body' }));
    await term.waitFor('Approve?');
    term.type('e\n');
    await term.waitFor('Fields to change');
    term.type('{"title":5}\n');
    await term.waitFor('Try again.');
    expect(term.printed()).toContain('title');
    await term.waitFor('Approve?', 2);
    term.type('e\n');
    await term.waitFor('Fields to change', 2);
    term.type('{"title":"Final"}\n');
    await expect(decision).resolves.toMatchObject({ outcome: 'approved', args: { title: 'Final', body: 'The body' } });
  });

  it('shows long arguments cut, with how much is left out', async () => {
    const term = terminal();
    const decision = term.approver(approval({ title: 'T', body: 'x'.repeat(10_000) }));
    await term.waitFor('Approve?');
    expect(term.printed()).toContain('… (9600 more characters)');
    expect(term.printed().length).toBeLessThan(2_000);
    term.type('a\n');
    await expect(decision).resolves.toMatchObject({ outcome: 'approved' });
  });

  it('opens the whole arguments in $EDITOR and merges what was saved', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-editor-'));
    const script = path.join(folder, 'editor.js');
    // An "editor" that changes the title in the file it is given, as a user would.
    writeFileSync(script, "const fs = require('fs'); const f = process.argv[2]; const a = JSON.parse(fs.readFileSync(f, 'utf8')); a.title = 'Edited'; fs.writeFileSync(f, JSON.stringify(a));");
    const term = terminal({ editor: `"${process.execPath}" "${script}"` });
    const decision = term.approver(approval({ title: 'Draft', body: 'x'.repeat(1_000) }));
    await term.waitFor('[v] edit in $EDITOR');
    term.type('v\n');
    await expect(decision).resolves.toMatchObject({ outcome: 'approved', args: { title: 'Edited', body: 'x'.repeat(1_000) } });
  });
});

describe('whether the CLI can prompt', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream & NodeJS.ReadStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream & NodeJS.ReadStream;
  it('prompts when stdin and stderr are terminals, even when stdout is piped (run … | tee log)', () => {
    expect(readCliEnvironment({}, tty, pipe, tty).interactive).toBe(true);
    expect(readCliEnvironment({}, pipe, tty, tty).interactive).toBe(false);
    expect(readCliEnvironment({}, tty, tty, pipe).interactive).toBe(false);
  });
});
