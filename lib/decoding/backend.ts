/**
 * What a decoding strategy needs from a language model, and nothing more. `lib/generate.ts`
 * implements it over a llama.cpp context (each live beam is one KV sequence, all advanced in one
 * batched decode); tests implement it in plain TypeScript with hand-built next-token tables.
 */
export interface StepBackend {
  /** Number of entries in every logits row. */
  readonly vocabSize: number;

  /**
   * Evaluates the prompt as the single live sequence (index 0) and returns its next-token logits.
   * The returned row may be a view over native memory: valid until the next call, and the strategy
   * may overwrite it in place (processors do).
   */
  prefill(promptIds: Int32Array): Promise<Float32Array>;

  /**
   * Advances by one token. Live sequence `i` of the new step continues live sequence `parents[i]`
   * of the previous step with `tokens[i]` (a parent may have several children, or none: a beam that
   * is dropped or finished simply is not named). Returns the next-token logits of each new live
   * sequence, in order, under the same validity rules as {@link prefill}. Both arrays belong to
   * the strategy, which refills them for the next step: read them before the returned promise
   * settles, do not keep them. The returned array may likewise be reused by the next call.
   */
  advance(parents: Int32Array, tokens: Int32Array): Promise<Float32Array[]>;

  /** True for tokens that end generation (EOS, EOT, ...). */
  isEndOfGeneration(token: number): boolean;

  /** The UTF-8 bytes a token contributes to the text (may be a partial character). */
  tokenBytes(token: number): Uint8Array;
}
