import type { StepBackend } from '../../../lib/decoding/backend.js';

/** Next-token logits of a prefix (prompt + generated so far). */
export type NextLogits = (prefix: readonly number[]) => ArrayLike<number>;

/**
 * A StepBackend over a hand-written next-token function, for tests: it tracks every live sequence's
 * prefix exactly as the contract describes and records each call.
 */
export class TableBackend implements StepBackend {
  readonly vocabSize: number;
  readonly advanceCalls: { parents: number[]; tokens: number[] }[] = [];
  prefillCalls = 0;
  private live: number[][] = [];

  constructor(
    vocabSize: number,
    private readonly next: NextLogits,
    private readonly eos: ReadonlySet<number> = new Set(),
    private readonly bytes: (token: number) => Uint8Array = (t) => new TextEncoder().encode(String.fromCharCode(97 + (t % 26))),
  ) {
    this.vocabSize = vocabSize;
  }

  private row(prefix: readonly number[]): Float32Array {
    const r = Float32Array.from(this.next(prefix));
    if (r.length !== this.vocabSize) throw new Error(`model returned ${r.length} logits`);
    return r;
  }

  async prefill(promptIds: Int32Array): Promise<Float32Array> {
    this.prefillCalls++;
    this.live = [[...promptIds]];
    return this.row(this.live[0]!);
  }

  async advance(parents: Int32Array, tokens: Int32Array): Promise<Float32Array[]> {
    this.advanceCalls.push({ parents: [...parents], tokens: [...tokens] });
    if (parents.length !== tokens.length) throw new Error('parents/tokens length mismatch');
    this.live = [...parents].map((p, i) => {
      const prev = this.live[p];
      if (prev === undefined) throw new Error(`parent ${p} is not live`);
      return [...prev, tokens[i]!];
    });
    return this.live.map((prefix) => this.row(prefix));
  }

  isEndOfGeneration(token: number): boolean {
    return this.eos.has(token);
  }

  tokenBytes(token: number): Uint8Array {
    return this.bytes(token);
  }
}

/** Logits whose softmax is exactly `probs` (up to float32 rounding): ln p, -Infinity for 0. */
export function logitsOf(probs: readonly number[]): number[] {
  return probs.map((p) => Math.log(p));
}
