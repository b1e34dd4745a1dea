import type { z } from 'zod';
import { ToolArgumentsError, type ArgumentIssue } from './errors';

/** Turns zod issues into `field: what was expected` pairs a model (or a person) can act on. */
export function toArgumentIssues(error: z.ZodError): ArgumentIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Validates `args` against a tool's schema, throwing `ToolArgumentsError` naming each bad field. */
export function parseArguments<T extends z.ZodType>(toolName: string, schema: T, args: unknown): z.output<T> {
  const result = schema.safeParse(args);
  if (!result.success) throw new ToolArgumentsError(toolName, toArgumentIssues(result.error));
  return result.data;
}
