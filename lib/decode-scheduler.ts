/**
 * Decides, per generation step, whether a decode runs on the context's decode thread (a promise
 * settled through the event loop) or inline on the JS thread.
 *
 * Why: a decode off the JS thread costs two thread handoffs (JS → decode thread → event loop), and
 * the JS thread then reads a logits row another core wrote. That was 1–6 % of every token on the
 * 4 M model and 3–5 % on the 134 M one (paired runs, in one process), while an inline decode holds
 * the event loop for no longer than the decode itself. So steps whose recent decodes took at most
 * `maxInlineMs` run inline, and the event loop still gets a turn (timers, I/O, abort signals)
 * whenever {@link INLINE_SLICE_MS} of inline work has run since its last one. Opt-in (see
 * {@link DEFAULT_INLINE_DECODE_MS}).
 */

/** Inline decodes run back to back for at most this long before the event loop gets a turn. */
export const INLINE_SLICE_MS = 4;
/**
 * Default for the `inlineDecodeMs` context option: off. Inline decodes gained 1–6 % on the 4 M
 * model (paired runs) but put the event loop's median delay at ~3.4 ms and its p99 near 4 ms
 * while generating (off the JS thread: p99 under 1 ms), which a UI process should not pay by
 * default.
 */
export const DEFAULT_INLINE_DECODE_MS = 0;
/**
 * What processes without a UI (the CLI, scripts) can pass for throughput: every decode up to a
 * quarter of a second runs inline, which is any model this machine runs at a usable speed (the
 * 1.1 B Q4_0 model's steps take ~30 ms). The event loop then gets a turn between any two decodes
 * longer than {@link INLINE_SLICE_MS}; a process with nothing else to do loses nothing by it.
 */
export const THROUGHPUT_INLINE_DECODE_MS = 250;
/** Decodes measured off the JS thread before inlining is considered. */
const WARM_UP_DECODES = 2;
/** Weight of the newest decode time in the running estimate. */
const EMA_WEIGHT = 0.25;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class DecodeScheduler {
  private estimateMs = 0;
  private measured = 0;
  private sliceStart = 0;

  /**
   * @param maxInlineMs decodes expected to take at most this long run inline; 0 disables.
   * @param now the clock, in milliseconds (tests pass a fake one).
   */
  constructor(private readonly maxInlineMs: number, private readonly now: () => number = () => performance.now()) {}

  /** False when inlining is off (maxInlineMs 0): callers can skip the scheduler altogether. */
  get enabled(): boolean {
    return this.maxInlineMs > 0;
  }

  /** True when the next step's decode should run inline. */
  get inline(): boolean {
    return this.maxInlineMs > 0 && this.measured >= WARM_UP_DECODES && this.estimateMs <= this.maxInlineMs;
  }

  /**
   * Runs one step's decode: `inline` on the JS thread when the estimate allows, else `offThread`.
   * Either way the time it took updates the estimate, so a context that grows slow (a long KV
   * cache, a loaded machine) moves its decodes back off the JS thread.
   */
  async run(inline: () => void, offThread: () => Promise<void>): Promise<void> {
    if (this.inline) {
      let t0 = this.now();
      if (t0 - this.sliceStart >= INLINE_SLICE_MS) {
        await yieldToEventLoop();
        t0 = this.sliceStart = this.now();
      }
      inline();
      this.record(this.now() - t0);
    } else {
      const t0 = this.now();
      await offThread();
      this.record(this.now() - t0);
      this.sliceStart = this.now(); // the event loop just had its turn
    }
  }

  private record(ms: number): void {
    this.estimateMs = this.measured === 0 ? ms : this.estimateMs + EMA_WEIGHT * (ms - this.estimateMs);
    this.measured++;
  }
}
