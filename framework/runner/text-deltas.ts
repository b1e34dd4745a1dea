import { Defaults } from '../constants';

/**
 * Gathers streamed text into a few events a second: the buffer is emitted once it is
 * `Defaults.textDeltaFlushMs` old or holds `Defaults.textDeltaFlushChars`, when the attempt
 * changes, and on `flush()`, which the runner awaits before the step's `model.step` event, so the
 * log never shows a step before its text. Emits run one after another, in order.
 */
export class TextDeltaCoalescer {
  private buffer = '';
  private attempt = 1;
  private timer: NodeJS.Timeout | undefined;
  private emitting: Promise<void> = Promise.resolve();

  constructor(
    private readonly emit: (text: string, attempt: number) => Promise<void>,
    private readonly limits: { readonly flushMs: number; readonly flushChars: number } = { flushMs: Defaults.textDeltaFlushMs, flushChars: Defaults.textDeltaFlushChars },
  ) {}

  /** Takes a piece of streamed text of `attempt`. */
  push(text: string, attempt: number): void {
    if (attempt !== this.attempt) {
      this.release();
      this.attempt = attempt;
    }
    this.buffer += text;
    if (this.buffer.length >= this.limits.flushChars) this.release();
    else this.timer ??= setTimeout(() => this.release(), this.limits.flushMs);
  }

  /** Emits what is buffered and waits until every emit so far is done. */
  async flush(): Promise<void> {
    this.release();
    await this.emitting;
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === '') return;
    const text = this.buffer;
    const attempt = this.attempt;
    this.buffer = '';
    this.emitting = this.emitting.then(() => this.emit(text, attempt));
  }
}
