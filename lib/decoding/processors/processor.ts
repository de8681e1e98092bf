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
  /**
   * Optional, for processors whose only effect is to filter tokens (set them to
   * {@link FILTER_VALUE}) whatever the other scores are: the ids `process` would filter for this
   * row (empty when none). Greedy decoding, beam search and sampling through top-k then process
   * just those ids (or leave them out of their selection) instead of a copy of the whole row.
   */
  maskedTokens?(inputIds: Int32Array): Int32Array;
  /**
   * Optional, for processors that change a few scores, each from its own value alone (repetition
   * penalty, presence / frequency penalties, logit bias): the ids whose scores `process` may read
   * or write for this row (an id may repeat). Greedy decoding and beam search then run `process`
   * on a row where only those entries are meaningful, and take every other token's raw score.
   */
  editedTokens?(inputIds: Int32Array): Int32Array;
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

  /**
   * True when every processor only filters or edits a few tokens (implements `maskedTokens` or
   * `editedTokens`); true when empty.
   */
  get sparseOnly(): boolean {
    return this.processors.every((p) => typeof p.maskedTokens === 'function' || typeof p.editedTokens === 'function');
  }

  /**
   * Hands `visit` each processor's filtered or edited ids for this row (views valid only during
   * the call). Returns false, and stops, at a processor that touches more (see {@link sparseOnly}).
   */
  visitTouched(inputIds: Int32Array, visit: (ids: Int32Array) => void): boolean {
    for (const p of this.processors) {
      if (typeof p.maskedTokens === 'function') visit(p.maskedTokens(inputIds));
      else if (typeof p.editedTokens === 'function') visit(p.editedTokens(inputIds));
      else return false;
    }
    return true;
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    let out = scores;
    for (const p of this.processors) out = p.process(inputIds, out);
    return out;
  }
}
