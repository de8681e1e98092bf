import { checkObject, fail } from '../../validate.js';
import { checkBias, checkTokenList, completesSequence } from './token-lists.js';
import type { LogitsProcessor } from './processor.js';

/** Per-token biases (`{ [tokenId]: bias }` or a Map), or `[sequence, bias]` pairs for sequence bias. */
export type LogitBias =
  | Readonly<Record<number, number>>
  | ReadonlyMap<number, number>
  | ReadonlyArray<readonly [readonly number[], number]>;

/**
 * Adds a bias to tokens (transformers' SequenceBiasLogitsProcessor): a single token's bias always
 * applies; a longer sequence's bias applies to its last token when the context ends with the rest.
 * A bias of -Infinity bans.
 */
export class LogitBiasProcessor implements LogitsProcessor {
  private readonly single: Int32Array;
  private readonly singleBias: Float64Array;
  private readonly sequences: { seq: Int32Array; bias: number }[] = [];

  constructor(logitBias: LogitBias) {
    const entries = normaliseLogitBias(logitBias);
    const singles = entries.filter((e) => e.seq.length === 1);
    this.single = Int32Array.from(singles, (e) => e.seq[0]!);
    this.singleBias = Float64Array.from(singles, (e) => e.bias);
    for (const e of entries) if (e.seq.length > 1) this.sequences.push(e);
  }

  process(inputIds: Int32Array, scores: Float32Array): Float32Array {
    for (let j = 0; j < this.single.length; j++) {
      const t = this.single[j]!;
      if (t < scores.length) scores[t] = scores[t]! + this.singleBias[j]!;
    }
    for (const { seq, bias } of this.sequences) {
      const last = seq[seq.length - 1]!;
      if (last < scores.length && completesSequence(inputIds, seq)) scores[last] = scores[last]! + bias;
    }
    return scores;
  }

  private edited: Int32Array = new Int32Array(0);

  /** The single-token biases' ids and the last token of each sequence the context completes (a view, valid until the next call). */
  editedTokens(inputIds: Int32Array): Int32Array {
    if (this.sequences.length === 0) return this.single;
    if (this.edited.length === 0) {
      this.edited = new Int32Array(this.single.length + this.sequences.length);
      this.edited.set(this.single);
    }
    let n = this.single.length;
    for (const { seq } of this.sequences) if (completesSequence(inputIds, seq)) this.edited[n++] = seq[seq.length - 1]!;
    return this.edited.subarray(0, n);
  }
}

/** Validates a {@link LogitBias} and returns it as a list of sequences with their biases. */
export function normaliseLogitBias(value: unknown): { seq: Int32Array; bias: number }[] {
  if (value instanceof Map) {
    return [...value].map(([k, b]) => ({ seq: checkTokenList('logitBias key', [k]), bias: checkBias(`logitBias[${String(k)}]`, b) }));
  }
  if (Array.isArray(value)) {
    return value.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(`logitBias[${i}]`, 'a [tokenIds, bias] pair', pair);
      return { seq: checkTokenList(`logitBias[${i}][0]`, pair[0], { nonEmpty: true }), bias: checkBias(`logitBias[${i}][1]`, pair[1]) };
    });
  }
  const obj = checkObject('logitBias', value);
  return Object.keys(obj).map((k) => {
    if (!/^\d+$/.test(k)) fail('logitBias key', 'a token id', k, 'range');
    return { seq: checkTokenList('logitBias key', [Number(k)]), bias: checkBias(`logitBias[${k}]`, obj[k]) };
  });
}
