/** One Server-Sent Event: its `event` name (`message` when none) and its joined `data` lines. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Reads Server-Sent Events from a response body as they arrive (the `text/event-stream` framing:
 * fields per line, events separated by a blank line, comments skipped). Ends when the body ends;
 * an event cut off by the end of the body is not yielded, so a caller can tell a finished stream
 * from a broken one by what it saw.
 *
 * @example
 * for await (const { data } of serverSentEvents(response.body!)) if (data !== '[DONE]') handle(JSON.parse(data));
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        // A lone `\r` at the end may be the first half of `\r\n`: wait for the next chunk.
        if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
      }
    }
  } finally {
    // Stop the download when the caller stops reading early (after `[DONE]`, or on an error).
    await reader.cancel().catch(() => undefined);
  }
}
