/**
 * Checks a value against the JSON Schema a tool's zod schema produces (and the execution input's):
 * the subset strict function calling uses — types (with `null` for `.nullable()`), `enum`,
 * `const`, `anyOf`/`oneOf`, closed objects with required properties, arrays, string lengths and
 * patterns, number bounds. The console runs it in the browser before it sends edited arguments,
 * and the engine runs it again before it passes them on. It reports every problem, each naming
 * its field, and refuses keys the schema does not name instead of dropping them.
 *
 * No DOM and no Node APIs: this file is bundled into the console's script as well.
 */

/** A JSON Schema object. */
export type JsonSchemaNode = { readonly [keyword: string]: unknown };

/** One thing wrong with a value: where (`title`, `items[2].name`, or `(root)`) and what. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

const typeOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (path: string, key: string | number): string => (typeof key === 'number' ? `${path || '(root)'}[${key}]` : path ? `${path}.${key}` : key);

const describeTypes = (types: readonly string[]): string => types.map((type) => (type === 'null' ? 'null' : `a${/^[aeiou]/.test(type) ? 'n' : ''} ${type}`)).join(' or ');

function typesOf(schema: JsonSchemaNode): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((type): type is string => typeof type === 'string');
  return undefined;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function checkNode(value: unknown, schema: JsonSchemaNode, path: string, issues: SchemaIssue[]): void {
  const variants = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined) as JsonSchemaNode[] | undefined;
  if (variants) {
    const attempts = variants.map((variant) => {
      const found: SchemaIssue[] = [];
      checkNode(value, variant, path, found);
      return found;
    });
    if (!attempts.some((found) => found.length === 0)) {
      // The variant of the value's own type says best what is wrong; else list the types allowed.
      const sameType = attempts.find((_found, index) => {
        const types = typesOf(variants[index]);
        return types !== undefined && types.some((type) => matchesType(value, type));
      });
      if (sameType) issues.push(...sameType);
      else issues.push({ path: path || '(root)', message: `must be ${describeTypes(variants.flatMap((variant) => typesOf(variant) ?? ['value of another shape']))}` });
    }
  }
  const types = typesOf(schema);
  if (types && !types.some((type) => matchesType(value, type))) {
    issues.push({ path: path || '(root)', message: `must be ${describeTypes(types)}, not ${typeOf(value) === 'integer' ? 'a number' : describeTypes([typeOf(value)])}` });
    return;
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) {
    issues.push({ path: path || '(root)', message: `must be ${JSON.stringify(schema.const)}` });
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    issues.push({ path: path || '(root)', message: `must be one of ${schema.enum.map((allowed) => JSON.stringify(allowed)).join(', ')}` });
  }
  if (typeof value === 'string') checkString(value, schema, path, issues);
  if (typeof value === 'number') checkNumber(value, schema, path, issues);
  if (Array.isArray(value)) checkArray(value, schema, path, issues);
  if (isObject(value)) checkObject(value, schema, path, issues);
}

function checkString(value: string, schema: JsonSchemaNode, path: string, issues: SchemaIssue[]): void {
  const where = path || '(root)';
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    issues.push({ path: where, message: schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters` });
  }
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    issues.push({ path: where, message: `must be at most ${schema.maxLength} characters (it has ${value.length})` });
  }
  if (typeof schema.pattern === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, 'u');
    } catch {
      pattern = undefined;
    }
    if (pattern && !pattern.test(value)) issues.push({ path: where, message: `must match ${schema.pattern}` });
  }
}

function checkNumber(value: number, schema: JsonSchemaNode, path: string, issues: SchemaIssue[]): void {
  const where = path || '(root)';
  if (!Number.isFinite(value)) issues.push({ path: where, message: 'must be a finite number' });
  if (typeof schema.minimum === 'number' && value < schema.minimum) issues.push({ path: where, message: `must be at least ${schema.minimum}` });
  if (typeof schema.maximum === 'number' && value > schema.maximum) issues.push({ path: where, message: `must be at most ${schema.maximum}` });
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) issues.push({ path: where, message: `must be more than ${schema.exclusiveMinimum}` });
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) issues.push({ path: where, message: `must be less than ${schema.exclusiveMaximum}` });
}

function checkArray(value: readonly unknown[], schema: JsonSchemaNode, path: string, issues: SchemaIssue[]): void {
  const where = path || '(root)';
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) issues.push({ path: where, message: `must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}` });
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) issues.push({ path: where, message: `must have at most ${schema.maxItems} items` });
  if (isObject(schema.items)) value.forEach((item, index) => checkNode(item, schema.items as JsonSchemaNode, join(path, index), issues));
}

function checkObject(value: Record<string, unknown>, schema: JsonSchemaNode, path: string, issues: SchemaIssue[]): void {
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchemaNode>) : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  for (const name of required) {
    if (!Object.prototype.hasOwnProperty.call(value, name)) issues.push({ path: join(path, name), message: 'is required' });
  }
  const known = Object.keys(properties);
  for (const [name, child] of Object.entries(value)) {
    if (Object.prototype.hasOwnProperty.call(properties, name)) {
      checkNode(child, properties[name], join(path, name), issues);
    } else if (schema.additionalProperties === false) {
      issues.push({ path: join(path, name), message: `is not a known field${known.length ? ` (the fields are ${known.join(', ')})` : ''}` });
    }
  }
}

/**
 * Every way `value` breaks `schema`, in document order; empty when it fits.
 *
 * @example
 * checkAgainstSchema({ titel: 'x' }, publishReport.jsonSchema);
 * // [{ path: 'title', message: 'is required' }, { path: 'body', message: 'is required' },
 * //  { path: 'titel', message: 'is not a known field (the fields are title, body)' }]
 */
export function checkAgainstSchema(value: unknown, schema: JsonSchemaNode): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  checkNode(value, schema, '', issues);
  return issues;
}

/** Issues as one sentence: `title must not be empty; titel is not a known field (…)`. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path} ${issue.message}`).join('; ');
}
