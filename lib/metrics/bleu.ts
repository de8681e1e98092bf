// BLEU exactly as sacrebleu 2.x computes it: corpus statistics summed over segments, clipped
// n-gram matches against the per-n-gram maximum over references, closest reference length
// (shorter on ties), brevity penalty exp(1 - r/c), and sacrebleu's four smoothing methods.

import { checkBoolean, checkInteger, checkNumber, checkObject, checkOneOf, checkString, fail } from '../validate.js';
import { BLEU_TOKENIZERS, bleuTokenize, type BleuTokenizerName } from './bleu-tokenizers.js';
import { pyFixed } from './format.js';
import { formatSignature } from './signature.js';
import { ngramCounts, pyRstrip, pySplit, type Counts } from './text.js';
import { checkReferenceStreams, checkStringArray } from './validate-text.js';

/** Smoothing methods (Chen & Cherry 2014): `floor` = method 1, `add-k` = 2, `exp` = 3 (NIST). */
export const BLEU_SMOOTHING = ['exp', 'floor', 'add-k', 'none'] as const;
/** One of {@link BLEU_SMOOTHING}. */
export type BleuSmoothing = (typeof BLEU_SMOOTHING)[number];

/** Default `smoothValue` for the methods that take one (sacrebleu's SMOOTH_DEFAULTS). */
export const BLEU_SMOOTH_DEFAULTS: Readonly<Record<'floor' | 'add-k', number>> = { floor: 0.1, 'add-k': 1 };

/** Options of {@link corpusBleu} / {@link sentenceBleu}; defaults are sacrebleu's. */
export interface BleuOptions {
  /** Tokenizer; default `13a`. */
  tokenize?: BleuTokenizerName;
  /** Smoothing method; default `exp`. */
  smooth?: BleuSmoothing;
  /** Value for `floor` (default 0.1) and `add-k` (default 1); ignored by the others. */
  smoothValue?: number;
  /** Lowercase hypotheses and references first; default false. */
  lowercase?: boolean;
  /** Average only over n-gram orders the hypotheses contain; default false (true for sentenceBleu). */
  effectiveOrder?: boolean;
  /** Highest n-gram order; default 4. */
  maxNgramOrder?: number;
}

/** A BLEU result, field for field sacrebleu's `BLEUScore`. */
export interface BleuScore {
  /** BLEU in [0, 100]. */
  score: number;
  /** Clipped n-gram matches per order (after add-k smoothing, as sacrebleu reports them). */
  counts: number[];
  /** Hypothesis n-grams per order (after add-k smoothing, as sacrebleu reports them). */
  totals: number[];
  /** Smoothed n-gram precisions per order, in percent. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** sysLen / refLen, 0 when refLen is 0. */
  ratio: number;
  /** Hypothesis tokens. */
  sysLen: number;
  /** Closest-reference tokens. */
  refLen: number;
  /** e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:llama-loom-0.1.0`. */
  signature: string;
}

/** Sufficient statistics of BLEU over one segment or a whole corpus. */
export interface BleuStatistics {
  sysLen: number;
  refLen: number;
  /** Clipped matches per order. */
  correct: number[];
  /** Hypothesis n-grams per order. */
  total: number[];
}

interface ResolvedBleuOptions {
  tokenize: BleuTokenizerName;
  smooth: BleuSmoothing;
  smoothValue: number | undefined;
  lowercase: boolean;
  effectiveOrder: boolean;
  maxNgramOrder: number;
}

function resolveOptions(options: unknown, effectiveOrderDefault: boolean): ResolvedBleuOptions {
  const o = options === undefined ? {} : checkObject('options', options);
  const smooth = o.smooth === undefined ? 'exp' : checkOneOf('options.smooth', o.smooth, BLEU_SMOOTHING);
  return {
    tokenize: o.tokenize === undefined ? '13a' : checkOneOf('options.tokenize', o.tokenize, BLEU_TOKENIZERS),
    smooth,
    smoothValue: o.smoothValue === undefined ? undefined : checkNumber('options.smoothValue', o.smoothValue, { min: 0 }),
    lowercase: o.lowercase === undefined ? false : checkBoolean('options.lowercase', o.lowercase),
    effectiveOrder: o.effectiveOrder === undefined ? effectiveOrderDefault : checkBoolean('options.effectiveOrder', o.effectiveOrder),
    maxNgramOrder: o.maxNgramOrder === undefined ? 4 : checkInteger('options.maxNgramOrder', o.maxNgramOrder, { min: 1 }),
  };
}

/** log, floored at sacrebleu's -9999999999 for zero so that a zero precision zeroes the score. */
function flooredLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/**
 * BLEU from sufficient statistics (sacrebleu's `BLEU.compute_bleu`).
 * `smoothValue` undefined means the method's default.
 */
export function computeBleu(
  stats: BleuStatistics,
  smooth: BleuSmoothing = 'none',
  smoothValue?: number,
  effectiveOrder = false,
): Omit<BleuScore, 'signature'> {
  const maxOrder = stats.correct.length;
  const correct = [...stats.correct];
  const total = [...stats.total];
  const { sysLen, refLen } = stats;
  const value = smoothValue ?? (smooth === 'floor' || smooth === 'add-k' ? BLEU_SMOOTH_DEFAULTS[smooth] : 0);

  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  const ratio = refLen ? sysLen / refLen : 0;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number) => ({ score, counts: correct, totals: total, precisions, bp, ratio, sysLen, refLen });

  // No match at any order: BLEU is 0 whatever the smoothing (sacrebleu issue #141).
  if (!correct.some((c) => c !== 0)) return result(0);

  let expDivisor = 1;
  let usedOrders = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smooth === 'add-k' && n > 1) {
      correct[n - 1]! += value;
      total[n - 1]! += value;
    }
    if (total[n - 1] === 0) break;
    if (effectiveOrder) usedOrders = n;
    if (correct[n - 1] === 0) {
      if (smooth === 'exp') {
        expDivisor *= 2;
        precisions[n - 1] = 100 / (expDivisor * total[n - 1]!);
      } else if (smooth === 'floor') {
        precisions[n - 1] = (100 * value) / total[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]!) / total[n - 1]!;
    }
  }
  let logSum = 0;
  for (let n = 0; n < usedOrders; n++) logSum += flooredLog(precisions[n]!);
  return result(bp * Math.exp(logSum / usedOrders));
}

function preprocess(segment: string, o: ResolvedBleuOptions): string {
  return bleuTokenize(pyRstrip(o.lowercase ? segment.toLowerCase() : segment), o.tokenize);
}

function allNgrams(tokens: string[], maxOrder: number): Counts[] {
  const out: Counts[] = [];
  for (let n = 1; n <= maxOrder; n++) out.push(ngramCounts(tokens, n));
  return out;
}

/** Reference length closest to `hypLen`, the shorter one on ties. */
function closestRefLen(hypLen: number, refLens: number[]): number {
  let bestDiff = -1;
  let best = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (bestDiff === -1 || diff < bestDiff) {
      bestDiff = diff;
      best = len;
    } else if (diff === bestDiff && len < best) {
      best = len;
    }
  }
  return best;
}

function segmentStatistics(hyp: string, refs: string[], o: ResolvedBleuOptions): BleuStatistics {
  const maxCounts: Counts[] = Array.from({ length: o.maxNgramOrder }, () => new Map());
  const refLens: number[] = [];
  for (const ref of refs) {
    const tokens = pySplit(preprocess(ref, o));
    refLens.push(tokens.length);
    allNgrams(tokens, o.maxNgramOrder).forEach((counts, n) => {
      for (const [gram, c] of counts) maxCounts[n]!.set(gram, Math.max(maxCounts[n]!.get(gram) ?? 0, c));
    });
  }
  const hypTokens = pySplit(preprocess(hyp, o));
  const correct = new Array<number>(o.maxNgramOrder).fill(0);
  const total = new Array<number>(o.maxNgramOrder).fill(0);
  allNgrams(hypTokens, o.maxNgramOrder).forEach((counts, n) => {
    for (const [gram, c] of counts) {
      total[n]! += c;
      correct[n]! += Math.min(c, maxCounts[n]!.get(gram) ?? 0);
    }
  });
  return { sysLen: hypTokens.length, refLen: closestRefLen(hypTokens.length, refLens), correct, total };
}

function bleuSignature(nrefs: number, o: ResolvedBleuOptions): string {
  let smooth: string = o.smooth;
  if (o.smooth === 'floor' || o.smooth === 'add-k') smooth += `[${pyFixed(o.smoothValue ?? BLEU_SMOOTH_DEFAULTS[o.smooth], 2)}]`;
  return formatSignature([
    ['nrefs', nrefs],
    ['case', o.lowercase ? 'lc' : 'mixed'],
    ['eff', o.effectiveOrder ? 'yes' : 'no'],
    ['tok', o.tokenize],
    ['smooth', smooth],
  ]);
}

function scoreSegments(hypotheses: string[], references: string[][], o: ResolvedBleuOptions): BleuScore {
  const sum: BleuStatistics = {
    sysLen: 0,
    refLen: 0,
    correct: new Array<number>(o.maxNgramOrder).fill(0),
    total: new Array<number>(o.maxNgramOrder).fill(0),
  };
  hypotheses.forEach((hyp, i) => {
    const s = segmentStatistics(hyp, references.map((stream) => stream[i]!), o);
    sum.sysLen += s.sysLen;
    sum.refLen += s.refLen;
    s.correct.forEach((c, n) => { sum.correct[n]! += c; });
    s.total.forEach((t, n) => { sum.total[n]! += t; });
  });
  const score = computeBleu(sum, o.smooth, o.smoothValue, o.effectiveOrder);
  return { ...score, signature: bleuSignature(references.length, o) };
}

/**
 * Corpus BLEU, equal to sacrebleu's `BLEU(...).corpus_score(hypotheses, references)`.
 * @param hypotheses one string per segment.
 * @param references reference streams: `references[k][i]` is the k-th reference of segment i.
 */
export function corpusBleu(hypotheses: string[], references: string[][], options?: BleuOptions): BleuScore {
  const hyps = checkStringArray('hypotheses', hypotheses);
  const refs = checkReferenceStreams('references', references, hyps.length);
  return scoreSegments(hyps, refs, resolveOptions(options, false));
}

/**
 * Sentence BLEU of one hypothesis against its references, equal to sacrebleu's
 * `sentence_bleu` (effective order on by default, exp smoothing, 13a).
 */
export function sentenceBleu(hypothesis: string, references: string[], options?: BleuOptions): BleuScore {
  const hyp = checkString('hypothesis', hypothesis);
  const refs = checkStringArray('references', references);
  if (refs.length === 0) fail('references', 'a non-empty array of strings', refs, 'range');
  return scoreSegments([hyp], refs.map((r) => [r]), resolveOptions(options, true));
}

/** sacrebleu's text line, e.g. `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`. */
export function formatBleu(score: BleuScore): string {
  const precisions = score.precisions.map((p) => pyFixed(p, 1)).join('/');
  return `BLEU = ${pyFixed(score.score, 2)} ${precisions} (BP = ${pyFixed(score.bp, 3)} ` +
    `ratio = ${pyFixed(score.ratio, 3)} hyp_len = ${score.sysLen} ref_len = ${score.refLen})`;
}
