/**
 * One pending approval: what the agent wants to run and why, time left, and the decision —
 * "Approve" (optionally with edited arguments) or "Reject" with a reason. The decision goes to
 * the engine by approval id; the page never sees the task token.
 */
import type { ConsoleApproval } from '../api-types';
import { ApiError, consoleApi } from './api';
import { h, uniqueId } from './dom';
import { formatDuration, formatTime } from './format';
import { runHref } from './routes';
import { schemaForm, type SchemaForm } from './schema-form';
import { renderArguments } from './value-view';

/** A card and the way to refresh its clock. */
export interface ApprovalCard {
  readonly element: HTMLElement;
  /** Re-computes "time left" (`serverOffsetMs` = engine clock − browser clock). */
  tick(serverOffsetMs: number): void;
}

const executionName = (arn: string): string => arn.split(':').pop() ?? arn;

/**
 * Builds the card of one approval. `onDecided` is called once the engine accepted the decision.
 *
 * @example
 * const card = approvalCard(approval, { headingLevel: 'h2', onDecided: refresh });
 */
export function approvalCard(approval: ConsoleApproval, options: { headingLevel: 'h2' | 'h3'; onDecided: (message: string) => void; showRun: boolean }): ApprovalCard {
  const id = uniqueId('approval');
  const reasonId = `${id}-reason`;
  const timeLeft = h('span', { class: 'time-left' });
  const message = h('p', { class: 'decision-message', role: 'alert' });
  const reason = h('textarea', { id: reasonId, name: 'reason', rows: 2, 'aria-describedby': `${reasonId}-hint` });
  let form: SchemaForm | undefined;
  const editArea = h('div', { class: 'edit-area' });
  const editButton = approval.parameters ? h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': `${id}-edit` }, 'Edit arguments') : null;
  editArea.id = `${id}-edit`;
  const approve = h('button', { type: 'button', class: 'approve' }, 'Approve');
  const reject = h('button', { type: 'button', class: 'reject' }, 'Reject');
  const buttons = [approve, reject, editButton].filter((button): button is HTMLButtonElement => button !== null);

  editButton?.addEventListener('click', () => {
    if (form) {
      form = undefined;
      editArea.replaceChildren();
      editButton.textContent = 'Edit arguments';
      editButton.setAttribute('aria-expanded', 'false');
      return;
    }
    form = schemaForm(approval.parameters!, approval.args, approval.tool);
    editArea.replaceChildren(form.element);
    editButton.textContent = 'Discard edits';
    editButton.setAttribute('aria-expanded', 'true');
    form.element.querySelector<HTMLElement>('input, textarea, select')?.focus();
  });

  const decide = async (decision: 'approve' | 'reject') => {
    message.textContent = '';
    const text = reason.value.trim();
    let args: Record<string, unknown> | undefined;
    if (decision === 'reject' && !text) {
      message.textContent = 'Give a reason to reject: the agent reads it and decides what to do instead.';
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    if (decision === 'approve' && form) {
      const read = form.read();
      if (!read.ok) return;
      args = read.value;
    }
    for (const button of buttons) button.disabled = true;
    try {
      const result = await consoleApi.decide(
        approval.approvalId,
        decision === 'reject' ? { decision, reason: text } : { decision, ...(args ? { args } : {}), ...(text ? { reason: text } : {}) },
      );
      const edited = result.editedFields.length ? ` with ${result.editedFields.join(', ')} edited` : '';
      const done = decision === 'approve' ? `Approved ${approval.tool}${edited}; the agent resumes.` : `Rejected ${approval.tool}; the agent is told: ${text}`;
      card.classList.add('decided');
      card.replaceChildren(h('p', { class: 'decided-note', role: 'status' }, done, options.showRun ? [' ', h('a', { href: runHref(approval.executionArn) }, `Follow run ${executionName(approval.executionArn)}`)] : null));
      options.onDecided(done);
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      message.textContent = error instanceof ApiError ? error.message : String(error);
    }
  };
  approve.addEventListener('click', () => void decide('approve'));
  reject.addEventListener('click', () => void decide('reject'));

  const Heading = options.headingLevel;
  const card = h(
    'article',
    { class: 'approval-card', 'aria-labelledby': `${id}-title`, 'data-approval-id': approval.approvalId },
    h(Heading, { id: `${id}-title` }, h('code', {}, approval.tool), ` needs approval`),
    h(
      'p',
      { class: 'meta' },
      `Asked by agent ${approval.agent}`,
      options.showRun ? [' in run ', h('a', { href: runHref(approval.executionArn) }, executionName(approval.executionArn))] : null,
      ` · requested ${formatTime(Date.parse(approval.requestedAt))} · `,
      timeLeft,
    ),
    h('h4', {}, 'Why'),
    h('p', { class: 'reasoning' }, approval.reasoning || '(the model gave no reason)'),
    h('h4', {}, 'Arguments'),
    renderArguments(approval.args),
    approval.parameters ? null : h('p', { class: 'muted' }, 'The engine does not know this tool\'s schema, so its arguments cannot be edited here.'),
    editArea,
    h(
      'div',
      { class: 'field' },
      h('label', { for: reasonId }, 'Reason'),
      h('p', { id: `${reasonId}-hint`, class: 'hint' }, 'Optional when approving; needed to reject. The agent reads it.'),
      reason,
    ),
    h('div', { class: 'actions' }, buttons),
    message,
  );

  return {
    element: card,
    tick(serverOffsetMs) {
      const left = Date.parse(approval.expiresAt) - (Date.now() + serverOffsetMs);
      timeLeft.textContent = left > 0 ? `time left: ${formatDuration(left)}` : 'time is up (the approval times out)';
      timeLeft.classList.toggle('urgent', left < 60_000);
    },
  };
}
