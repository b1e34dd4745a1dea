import type { Model, ModelRequest, ModelResponse, ModelToolCall, Usage } from '../model';

/** One scripted reply: text (a thought or the final answer), tool calls, usage. */
export interface ScriptedReply {
  readonly text?: string;
  readonly toolCalls?: readonly { readonly id?: string; readonly name: string; readonly args: unknown }[];
  readonly usage?: Partial<Usage>;
  /** Throw this instead of answering. */
  readonly error?: Error;
}

/** A scripted model plus what it was asked. */
export interface ScriptedModel extends Model {
  /** Every request the runner made, in order. */
  readonly requests: ModelRequest[];
}

/**
 * A model for tests that answers from a script, in order, or from a function of the request.
 *
 * @example
 * const model = scriptedModel([
 *   { toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] },
 *   { text: 'The sum is 3' },
 * ]);
 */
export function scriptedModel(
  script: readonly ScriptedReply[] | ((request: ModelRequest, index: number) => ScriptedReply),
  options: { id?: string } = {},
): ScriptedModel {
  const requests: ModelRequest[] = [];
  return {
    id: options.id ?? 'scripted',
    requests,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const index = requests.length;
      requests.push(request);
      const reply = typeof script === 'function' ? script(request, index) : script[index];
      if (!reply) throw new Error(`Scripted model has no reply #${index + 1} (the script has ${Array.isArray(script) ? script.length : '?'})`);
      if (reply.error) throw reply.error;
      const toolCalls: ModelToolCall[] = (reply.toolCalls ?? []).map((call, callIndex) => ({
        id: call.id ?? `call_${index + 1}_${callIndex + 1}`,
        name: call.name,
        arguments: typeof call.args === 'string' ? call.args : JSON.stringify(call.args),
      }));
      return {
        text: reply.text ?? '',
        toolCalls,
        usage: { inputTokens: reply.usage?.inputTokens ?? 0, outputTokens: reply.usage?.outputTokens ?? 0 },
        model: options.id ?? 'scripted',
      };
    },
  };
}
