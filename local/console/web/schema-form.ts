/**
 * A form generated from a tool's JSON Schema, for editing the arguments of a call that waits for
 * approval: one labelled field per property (text, number, checkbox, choice, or JSON for nested
 * values), a "No value (null)" box for nullable ones, and an "Edit as JSON" alternative for the
 * whole object. Reading it back checks the result against the schema: every problem is shown next
 * to its field, and keys the schema does not name are refused.
 */
import { checkAgainstSchema, type JsonSchemaNode, type SchemaIssue } from '../shared/json-schema-check';
import { h, replaceChildren, uniqueId } from './dom';

type FieldKind = 'text' | 'textarea' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  readonly control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  readonly nullBox?: HTMLInputElement;
  readonly error: HTMLElement;
  readonly enumValues?: readonly unknown[];
}

/** A generated form: its element, and a reader that validates. */
export interface SchemaForm {
  readonly element: HTMLElement;
  /** The edited arguments, or the problems (already shown on the form, first one focused). */
  read(): { ok: true; value: Record<string, unknown> } | { ok: false; issues: SchemaIssue[] };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schema without its `null` alternative, and whether null is allowed. */
function unwrapNullable(schema: JsonSchemaNode): { base: JsonSchemaNode; nullable: boolean } {
  if (Array.isArray(schema.type) && schema.type.includes('null')) {
    const rest = schema.type.filter((type) => type !== 'null');
    return { base: { ...schema, type: rest.length === 1 ? rest[0] : rest }, nullable: true };
  }
  const variants = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchemaNode[]) : undefined;
  if (variants && variants.some((variant) => variant.type === 'null')) {
    const rest = variants.filter((variant) => variant.type !== 'null');
    return { base: rest.length === 1 ? { description: schema.description, ...rest[0] } : { ...schema, anyOf: rest }, nullable: true };
  }
  return { base: schema, nullable: false };
}

function kindOf(schema: JsonSchemaNode, current: unknown): FieldKind {
  if (Array.isArray(schema.enum)) return 'enum';
  switch (schema.type) {
    case 'string': {
      const long = typeof current === 'string' && (current.length > 80 || current.includes('\n'));
      return long || typeof schema.maxLength !== 'number' || schema.maxLength > 200 ? 'textarea' : 'text';
    }
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

function buildField(name: string, schema: JsonSchemaNode, current: unknown): { field: Field; element: HTMLElement } {
  const { base, nullable } = unwrapNullable(schema);
  const kind = kindOf(base, current);
  const id = uniqueId(`field-${name}`);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [typeof schema.description === 'string' || typeof base.description === 'string' ? hintId : '', errorId].filter(Boolean).join(' ');
  const common = { id, name, 'aria-describedby': describedBy };
  let control: Field['control'];
  if (kind === 'enum') {
    const values = base.enum as unknown[];
    control = h('select', common, values.map((value, index) => h('option', { value: String(index), selected: JSON.stringify(value) === JSON.stringify(current) }, String(value))));
  } else if (kind === 'boolean') {
    control = h('input', { ...common, type: 'checkbox', checked: current === true });
  } else if (kind === 'number' || kind === 'integer') {
    control = h('input', { ...common, type: 'number', step: kind === 'integer' ? '1' : 'any', value: typeof current === 'number' ? String(current) : '' });
  } else if (kind === 'text') {
    control = h('input', { ...common, type: 'text', value: typeof current === 'string' ? current : '', spellcheck: 'true' });
  } else {
    const text = kind === 'json' ? (current === null || current === undefined ? '' : JSON.stringify(current, null, 2)) : typeof current === 'string' ? current : '';
    control = h('textarea', { ...common, rows: Math.min(16, Math.max(3, text.split('\n').length + 1)), spellcheck: kind === 'textarea' ? 'true' : 'false' });
    control.value = text;
  }
  const nullBox = nullable ? h('input', { type: 'checkbox', id: `${id}-null`, checked: current === null }) : undefined;
  const syncNull = () => {
    if (nullBox) control.disabled = nullBox.checked;
  };
  nullBox?.addEventListener('change', syncNull);
  syncNull();
  const description = (schema.description ?? base.description) as string | undefined;
  const error = h('p', { id: errorId, class: 'field-error', role: 'status' });
  const element = h(
    'div',
    { class: `field field-${kind}` },
    h('label', { for: id }, name, kind === 'json' ? h('span', { class: 'muted' }, ' (JSON)') : null),
    description ? h('p', { id: hintId, class: 'hint' }, description) : null,
    control,
    nullBox ? h('label', { class: 'inline', for: nullBox.id }, nullBox, ' No value (null)') : null,
    error,
  );
  return { field: { name, kind, nullable, control, nullBox, error, enumValues: base.enum as unknown[] | undefined }, element };
}

function readField(field: Field): { value?: unknown; issue?: string } {
  if (field.nullBox?.checked) return { value: null };
  const control = field.control;
  switch (field.kind) {
    case 'boolean':
      return { value: (control as HTMLInputElement).checked };
    case 'enum':
      return { value: field.enumValues?.[Number(control.value)] };
    case 'number':
    case 'integer': {
      if (control.value.trim() === '') return { issue: 'must be a number' };
      const number = Number(control.value);
      return Number.isFinite(number) ? { value: number } : { issue: 'must be a number' };
    }
    case 'json':
      if (control.value.trim() === '') return { issue: 'is required (write JSON)' };
      try {
        return { value: JSON.parse(control.value) };
      } catch (error) {
        return { issue: `is not valid JSON (${(error as Error).message})` };
      }
    default:
      return { value: control.value };
  }
}

/**
 * Builds the edit form of `schema` filled with `current`.
 *
 * @example
 * const form = schemaForm(approval.parameters, approval.args, 'publish_report');
 * const result = form.read(); // { ok: true, value } or { ok: false, issues }
 */
export function schemaForm(schema: JsonSchemaNode, current: Record<string, unknown>, title: string): SchemaForm {
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchemaNode>) : {};
  const built = Object.entries(properties).map(([name, property]) => buildField(name, property, current[name]));
  const fields = built.map((each) => each.field);
  const jsonId = uniqueId('args-json');
  const jsonError = h('p', { id: `${jsonId}-error`, class: 'field-error', role: 'status' });
  const jsonText = h('textarea', { id: jsonId, rows: 12, spellcheck: 'false', 'aria-describedby': `${jsonId}-error` });
  const jsonPanel = h('div', { class: 'field field-json', hidden: true }, h('label', { for: jsonId }, `Arguments of ${title} as JSON`), jsonText, jsonError);
  const fieldsPanel = h('div', { class: 'fields' }, built.map((each) => each.element));
  const summary = h('div', { class: 'form-errors', role: 'alert' });
  let asJson = false;

  const currentFromFields = (): Record<string, unknown> => {
    const value: Record<string, unknown> = { ...current };
    for (const field of fields) {
      const read = readField(field);
      if (read.issue === undefined) value[field.name] = read.value;
    }
    return value;
  };
  const toggle = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false' }, 'Edit as JSON');
  toggle.addEventListener('click', () => {
    asJson = !asJson;
    if (asJson) jsonText.value = JSON.stringify(currentFromFields(), null, 2);
    jsonPanel.hidden = !asJson;
    fieldsPanel.hidden = asJson;
    toggle.setAttribute('aria-pressed', String(asJson));
    toggle.textContent = asJson ? 'Edit as form' : 'Edit as JSON';
    (asJson ? jsonText : (fields[0]?.control ?? toggle)).focus();
  });

  const show = (issues: SchemaIssue[]) => {
    for (const field of fields) {
      field.error.textContent = '';
      field.control.removeAttribute('aria-invalid');
    }
    jsonError.textContent = '';
    jsonText.removeAttribute('aria-invalid');
    replaceChildren(summary, issues.length ? [h('p', {}, `The arguments do not fit ${title}'s schema:`), h('ul', {}, issues.map((issue) => h('li', {}, `${issue.path} ${issue.message}`)))] : []);
    let first: HTMLElement | undefined;
    for (const issue of issues) {
      const field = asJson ? undefined : fields.find((each) => issue.path === each.name || issue.path.startsWith(`${each.name}.`) || issue.path.startsWith(`${each.name}[`));
      const target = field ? field.control : jsonText;
      const slot = field ? field.error : jsonError;
      slot.textContent = `${slot.textContent ? `${slot.textContent}; ` : ''}${field ? issue.message : `${issue.path} ${issue.message}`}`;
      target.setAttribute('aria-invalid', 'true');
      first ??= target;
    }
    first?.focus();
  };

  return {
    element: h('fieldset', { class: 'schema-form' }, h('legend', {}, `Edit the arguments of ${title}`), h('div', { class: 'form-tools' }, toggle), summary, fieldsPanel, jsonPanel),
    read() {
      let value: unknown;
      const issues: SchemaIssue[] = [];
      if (asJson) {
        try {
          value = JSON.parse(jsonText.value);
        } catch (error) {
          issues.push({ path: '(root)', message: `is not valid JSON (${(error as Error).message})` });
        }
      } else {
        const edited: Record<string, unknown> = {};
        for (const field of fields) {
          const read = readField(field);
          if (read.issue !== undefined) issues.push({ path: field.name, message: read.issue });
          else edited[field.name] = read.value;
        }
        value = edited;
      }
      if (issues.length === 0) issues.push(...checkAgainstSchema(value, schema));
      show(issues);
      return issues.length === 0 ? { ok: true, value: value as Record<string, unknown> } : { ok: false, issues };
    },
  };
}
