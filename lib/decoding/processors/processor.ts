/** The value a filtering processor writes into the scores it removes. */
export const FILTER_VALUE = -Infinity;

/**
 * One step of score processing, as in transformers' `LogitsProcessor`. `inputIds` holds the prompt
 * followed by the tokens generated so far for the row being processed; `scores` is that row's
 * next-token scores (raw logits when sampling or decoding greedily, log-probabilities under beam
 * search). Implementations may modify `scores` in place and return it, and must not keep references
 * to either array after returning.
 */
export interface LogitsProcessor {
  process(inputIds: Int32Array, scores: Float32Array): Float32Array;
}

/** Applies processors in order, each receiving the previous one's output. */
export class LogitsProcessorList implements LogitsProcessor {
  readonly processors: readonly LogitsProcessor[];

  constructor(processors: readonly LogitsProcessor[] = []) {
    this.processors = [...processors];
  }

  get length(): number {
    return this.processors.length;
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    let out = scores;
    for (const p of this.processors) out = p.process(inputIds, out);
    return out;
  }
}
