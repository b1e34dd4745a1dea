/**
 * The Start form: agent, task, optional session id. It checks the input with the schema the
 * engine's StartExecution input is validated with, then calls `StartExecution` like any Step
 * Functions client and opens the new run.
 */
import { checkAgainstSchema } from '../shared/json-schema-check';
import { ApiError, sfn } from './api';
import { h, replaceChildren } from './dom';
import type { ConsoleContext, Page } from './page';
import { runHref } from './routes';

export function startPage(context: ConsoleContext, preselected?: string): Page {
  const agentSelect = h('select', { id: 'start-agent', name: 'agent', required: true, 'aria-describedby': 'start-agent-description' });
  const agentDescription = h('p', { id: 'start-agent-description', class: 'hint' });
  const task = h('textarea', { id: 'start-task', name: 'task', rows: 5, required: true, 'aria-describedby': 'start-task-hint start-task-error' });
  const taskError = h('p', { id: 'start-task-error', class: 'field-error', role: 'status' });
  const session = h('input', { id: 'start-session', name: 'sessionId', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'start-session-hint start-session-error' });
  const sessionError = h('p', { id: 'start-session-error', class: 'field-error', role: 'status' });
  const formError = h('div', { class: 'form-errors', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Start');
  let inputSchema: Record<string, unknown> = {};
  let descriptions = new Map<string, string>();
  const describe = () => {
    agentDescription.textContent = descriptions.get(agentSelect.value) ?? '';
  };
  agentSelect.addEventListener('change', describe);

  void context
    .agents()
    .then(({ agents, executionInputSchema }) => {
      inputSchema = executionInputSchema as Record<string, unknown>;
      descriptions = new Map(agents.map((agent) => [agent.name, agent.description]));
      replaceChildren(agentSelect, agents.map((agent) => h('option', { value: agent.name, selected: agent.name === preselected }, agent.name)));
      describe();
      if (agents.length === 0) formError.textContent = 'The engine serves no agents: add one to stepwise.config.ts and restart it.';
    })
    .catch((error: Error) => (formError.textContent = `Could not load the agents: ${error.message}`));

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    for (const [control, slot] of [[task, taskError], [session, sessionError]] as const) {
      control.removeAttribute('aria-invalid');
      slot.textContent = '';
    }
    formError.textContent = '';
    const input = { task: task.value.trim(), ...(session.value.trim() ? { sessionId: session.value.trim() } : {}) };
    const issues = checkAgainstSchema(input, inputSchema);
    if (issues.length > 0) {
      for (const issue of issues) {
        const [control, slot] = issue.path === 'sessionId' ? [session, sessionError] : [task, taskError];
        control.setAttribute('aria-invalid', 'true');
        slot.textContent = `${issue.path === 'sessionId' ? 'Session id' : 'Task'} ${issue.message}.`;
      }
      (issues[0].path === 'sessionId' ? session : task).focus();
      return;
    }
    submit.disabled = true;
    try {
      const { executionArn } = await sfn<{ executionArn: string }>('StartExecution', {
        stateMachineArn: (await context.agents()).agents.find((agent) => agent.name === agentSelect.value)?.stateMachineArn,
        input: JSON.stringify(input),
      });
      context.notify(`Started a ${agentSelect.value} run.`);
      context.navigate(runHref(executionArn));
    } catch (error) {
      submit.disabled = false;
      formError.textContent = error instanceof ApiError ? `The engine refused to start it: ${error.message}` : String(error);
    }
  };

  const element = h(
    'section',
    { class: 'start-page' },
    h('h1', { tabindex: -1 }, 'Start a run'),
    h(
      'form',
      { class: 'start-form', novalidate: true, onsubmit: (event: Event) => void onSubmit(event) },
      h('div', { class: 'field' }, h('label', { for: 'start-agent' }, 'Agent'), agentSelect, agentDescription),
      h('div', { class: 'field' }, h('label', { for: 'start-task' }, 'Task'), h('p', { id: 'start-task-hint', class: 'hint' }, 'What the agent should do, in plain words.'), task, taskError),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'start-session' }, 'Session id (optional)'),
        h('p', { id: 'start-session-hint', class: 'hint' }, 'Runs with the same session id continue one conversation. Letters, digits, ".", "_", ":" and "-".'),
        session,
        sessionError,
      ),
      formError,
      h('div', { class: 'actions' }, submit),
    ),
  );
  return { title: 'Start a run', element, dispose: () => undefined };
}
