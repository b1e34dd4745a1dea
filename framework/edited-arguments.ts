import { ToolArgumentsError } from './errors';
import type { JsonSchema } from './json-schema';
import type { AnyTool } from './tool';

/**
 * Arguments a person edited before approving a call. A zod object drops keys it does not know,
 * which is right for what a model sends under strict function calling (it cannot send any) but
 * wrong for a person: `{"titel": "x"}` would be dropped and the call run with the old title while
 * the approver believes it was changed. So edits are checked for unknown keys first.
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schemas a value may match: the schema itself, or the branches of its unions and intersections. */
function branches(schema: JsonSchema): JsonSchema[] {
  const nested = (['anyOf', 'oneOf', 'allOf'] as const).flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as JsonSchema[]) : []));
  return nested.length === 0 ? [schema] : [schema, ...nested.flatMap(branches)];
}

function typesOf(schema: JsonSchema): string[] {
  return Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
}

function unknownKeysIn(schemas: readonly JsonSchema[], value: unknown, path: string, found: string[]): void {
  const all = schemas.flatMap(branches);
  if (isObject(value)) {
    const objects = all.filter((schema) => typesOf(schema).includes('object') || isObject(schema.properties));
    // An object schema that admits any key (none in a strict tool schema) leaves nothing to check.
    if (objects.length === 0 || objects.some((schema) => schema.additionalProperties !== false && !isObject(schema.properties))) return;
    for (const [key, child] of Object.entries(value)) {
      const childSchemas = objects.flatMap((schema) => (isObject(schema.properties) && Object.hasOwn(schema.properties, key) ? [schema.properties[key] as JsonSchema] : []));
      const childPath = path ? `${path}.${key}` : key;
      if (childSchemas.length === 0) found.push(childPath);
      else unknownKeysIn(childSchemas, child, childPath, found);
    }
  } else if (Array.isArray(value)) {
    const items = all.filter((schema) => isObject(schema.items)).map((schema) => schema.items as JsonSchema);
    if (items.length > 0) value.forEach((item, index) => unknownKeysIn(items, item, `${path}[${index}]`, found));
  }
}

/**
 * The keys of `args` that a tool's parameters do not name, as paths (`titel`, `meta.titel`,
 * `tags[0].nmae`), read from the tool's strict JSON Schema (every object closed).
 *
 * @example
 * unknownArgumentKeys(publishReport.jsonSchema, { titel: 'x', body: 'y' }); // ['titel']
 */
export function unknownArgumentKeys(schema: JsonSchema, args: unknown): string[] {
  const found: string[] = [];
  unknownKeysIn([schema], args, '', found);
  return found;
}

/**
 * The keys of `edits` that the call's own arguments do not have, as paths. Under strict function
 * calling every parameter is present in a call's arguments (an "optional" one is `null`), so this
 * finds a misspelt key without the tool's schema — which a client such as the CLI does not have.
 * Keys inside a value that was `null` in the call cannot be checked this way.
 *
 * @example
 * keysNotInCall({ title: 'Draft', body: '…' }, { titel: 'Final' }); // ['titel']
 */
export function keysNotInCall(callArgs: unknown, edits: unknown, path = ''): string[] {
  if (isObject(edits) && isObject(callArgs)) {
    return Object.entries(edits).flatMap(([key, value]) => {
      const childPath = path ? `${path}.${key}` : key;
      return Object.hasOwn(callArgs, key) ? keysNotInCall(callArgs[key], value, childPath) : [childPath];
    });
  }
  if (Array.isArray(edits) && Array.isArray(callArgs) && callArgs.length > 0) {
    // Items of one array share one schema: any item of the call shows which keys an item has.
    const keys = callArgs.filter(isObject).reduce<Record<string, unknown>>((known, item) => ({ ...known, ...item }), {});
    if (Object.keys(keys).length === 0) return [];
    return edits.flatMap((item, index) => keysNotInCall(keys, item, `${path}[${index}]`));
  }
  return [];
}

/**
 * Validates arguments a person edited: a key the tool does not have is an error naming it (never
 * dropped), then the tool's own schema applies. Throws `ToolArgumentsError`.
 *
 * @example
 * parseEditedArguments(sendEmail, { subjekt: 'x' }); // throws: subjekt: is not a parameter of send_email (its parameters: to, subject, body)
 */
export function parseEditedArguments(tool: AnyTool, args: unknown): unknown {
  const unknown = unknownArgumentKeys(tool.jsonSchema, args);
  if (unknown.length > 0) {
    const parameters = isObject(tool.jsonSchema.properties) ? Object.keys(tool.jsonSchema.properties).join(', ') : '';
    throw new ToolArgumentsError(
      tool.name,
      unknown.map((field) => ({ field, message: `is not a parameter of ${tool.name}${!field.includes('.') && !field.includes('[') && parameters ? ` (its parameters: ${parameters})` : ''}` })),
    );
  }
  return tool.parse(args);
}
