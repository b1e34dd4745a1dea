import { z } from 'zod';
import { ToolSchemaError } from './errors';

/** A JSON Schema object as sent to the model. */
export type JsonSchema = { [key: string]: unknown };

/**
 * Derives the JSON Schema the model sees from a tool's `z.object`, in the form strict function
 * calling accepts: every object closed, every property required. Anything that cannot be
 * expressed that way is rejected here, at definition time, naming the field.
 */
export function toStrictJsonSchema(toolName: string, parameters: z.ZodObject): JsonSchema {
  let schema: JsonSchema;
  try {
    schema = z.toJSONSchema(parameters, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  } catch (error) {
    throw new ToolSchemaError(toolName, '(root)', `cannot be converted to JSON Schema: ${(error as Error).message}`);
  }
  delete schema.$schema;
  return strictify(toolName, schema, '');
}

function strictify(toolName: string, node: JsonSchema, path: string): JsonSchema {
  const field = path || '(root)';
  if (Object.keys(node).length === 0 || (Object.keys(node).length === 1 && 'description' in node)) {
    throw new ToolSchemaError(toolName, field, 'has a type that JSON Schema cannot describe (dates, functions, any, unknown); use a string, number, boolean, enum, array or object');
  }
  const out: JsonSchema = { ...node };
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const variants = node[key];
    if (Array.isArray(variants)) {
      out[key] = variants.map((variant) => strictify(toolName, variant as JsonSchema, path));
    }
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('object')) {
    if (node.additionalProperties !== undefined && node.additionalProperties !== false) {
      throw new ToolSchemaError(toolName, field, 'is a record/map with open keys; strict function calling needs named properties (use z.object with fixed keys or an array of { key, value })');
    }
    const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((node.required as string[] | undefined) ?? []);
    const strictProperties: Record<string, JsonSchema> = {};
    for (const [name, child] of Object.entries(properties)) {
      const childPath = path ? `${path}.${name}` : name;
      if (!required.has(name)) {
        throw new ToolSchemaError(
          toolName,
          childPath,
          'is optional or has a default; strict function calling requires every property. Use .nullable() and treat null as "not given"',
        );
      }
      strictProperties[name] = strictify(toolName, child, childPath);
    }
    delete out.propertyNames;
    out.properties = strictProperties;
    out.required = Object.keys(strictProperties);
    out.additionalProperties = false;
  }
  if (types.includes('array') && node.items !== undefined) {
    if (Array.isArray(node.items)) {
      throw new ToolSchemaError(toolName, `${field}[]`, 'is a tuple; use an array of one item type or an object');
    }
    out.items = strictify(toolName, node.items as JsonSchema, `${path}[]`);
  }
  return out;
}
