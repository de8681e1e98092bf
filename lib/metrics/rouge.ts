// ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's rouge-score computes them
// (`RougeScorer.score` and `score_multi`), on top of its default tokenizer.

import { checkBoolean, checkObject, checkString, fail } from '../validate.js';
import { lcsLength, unionLcs } from './lcs.js';
import { rougeTokenize } from './rouge-tokenize.js';
import { increment, ngramCounts, totalCount, type Counts } from './text.js';
import { checkStringArray } from './validate-text.js';
import type { BootstrapAggregator } from './bootstrap.js';

/**
 * Precision, recall and F1 of one ROUGE type (rouge-score's `Score`). A type alias rather than an
 * interface so records of it can be fed straight to {@link BootstrapAggregator}.
 */
export type RougeScore = {
  precision: number;
  recall: number;
  fmeasure: number;
};

/** `rouge1` … `rouge9` (n-gram overlap), `rougeL` (LCS) or `rougeLsum` (summary-level LCS over lines). */
export type RougeType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | 'rougeL' | 'rougeLsum';

/** The types computed when none are asked for. */
export const DEFAULT_ROUGE_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

/** The types in {@link DEFAULT_ROUGE_TYPES}. */
export type DefaultRougeType = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

/** Options of {@link rougeScores}. */
export interface RougeOptions<T extends RougeType = RougeType> {
  /** Which scores to compute; default {@link DEFAULT_ROUGE_TYPES}. */
  types?: readonly T[];
  /** Porter-stem tokens longer than 3 characters (NLTK mode); default false. */
  stem?: boolean;
}

/** Whether `name` is a ROUGE type rouge-score accepts (rouge0 and rouge10 are not). */
export function isRougeType(name: string): name is RougeType {
  return /^rouge[1-9]$/.test(name) || name === 'rougeL' || name === 'rougeLsum';
}

/** rouge-score's `fmeasure`: harmonic mean, 0 when both are 0. */
export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

const ZERO: RougeScore = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });

function scoreNgrams(target: Counts, prediction: Counts): RougeScore {
  let overlap = 0;
  for (const [gram, c] of target) overlap += Math.min(c, prediction.get(gram) ?? 0);
  const precision = overlap / Math.max(totalCount(prediction), 1);
  const recall = overlap / Math.max(totalCount(target), 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function scoreLcs(target: string[], prediction: string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Summary-level LCS (ROUGE paper §3.2) over tokenized sentences, counting each token at most as
 * often as it occurs in both summaries, as ROUGE-1.5.5 and rouge-score do.
 */
export function summaryLevelLcs(refSents: string[][], canSents: string[][]): RougeScore {
  if (refSents.length === 0 || canSents.length === 0) return { ...ZERO };
  const m = refSents.reduce((s, x) => s + x.length, 0);
  const n = canSents.reduce((s, x) => s + x.length, 0);
  if (m === 0 || n === 0) return { ...ZERO };
  const refLeft: Counts = new Map();
  const canLeft: Counts = new Map();
  for (const s of refSents) for (const t of s) increment(refLeft, t);
  for (const s of canSents) for (const t of s) increment(canLeft, t);
  let hits = 0;
  for (const r of refSents) {
    for (const t of unionLcs(r, canSents)) {
      if ((canLeft.get(t) ?? 0) > 0 && (refLeft.get(t) ?? 0) > 0) {
        hits++;
        increment(canLeft, t, -1);
        increment(refLeft, t, -1);
      }
    }
  }
  const precision = hits / n;
  const recall = hits / m;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Newline-separated sentences, empty ones dropped (rougeLsum's sentence split). */
function sentences(text: string): string[] {
  return text.split('\n').filter((s) => s.length > 0);
}

function resolveTypes(options: Record<string, unknown>): RougeType[] {
  if (options.types === undefined) return [...DEFAULT_ROUGE_TYPES];
  const types = checkStringArray('options.types', options.types);
  if (types.length === 0) fail('options.types', 'a non-empty array of ROUGE types', types, 'range');
  types.forEach((t, i) => {
    if (!isRougeType(t)) fail(`options.types[${i}]`, 'one of "rouge1"…"rouge9", "rougeL", "rougeLsum"', t, 'range');
  });
  return types as RougeType[];
}

function scoreOne(target: string, prediction: string, types: RougeType[], stem: boolean): Record<string, RougeScore> {
  const targetTokens = rougeTokenize(target, stem);
  const predictionTokens = rougeTokenize(prediction, stem);
  const result: Record<string, RougeScore> = {};
  for (const type of types) {
    if (type === 'rougeL') {
      result[type] = scoreLcs(targetTokens, predictionTokens);
    } else if (type === 'rougeLsum') {
      result[type] = summaryLevelLcs(
        sentences(target).map((s) => rougeTokenize(s, stem)),
        sentences(prediction).map((s) => rougeTokenize(s, stem)),
      );
    } else {
      const n = Number(type.slice(5));
      result[type] = scoreNgrams(ngramCounts(targetTokens, n), ngramCounts(predictionTokens, n));
    }
  }
  return result;
}

/**
 * ROUGE scores of `prediction` against `target`, equal to rouge-score's
 * `RougeScorer(types, use_stemmer=stem).score(target, prediction)`. With several targets, each
 * type takes the target with the highest F-measure (first on ties), like `score_multi`.
 */
export function rougeScores<T extends RougeType = DefaultRougeType>(
  target: string | string[],
  prediction: string,
  options?: RougeOptions<T>,
): Record<T, RougeScore> {
  const o = options === undefined ? {} : checkObject('options', options);
  const types = resolveTypes(o);
  const stem = o.stem === undefined ? false : checkBoolean('options.stem', o.stem);
  checkString('prediction', prediction);
  const targets = typeof target === 'string' ? [target] : checkStringArray('target', target);
  if (targets.length === 0) fail('target', 'a string or a non-empty array of strings', target, 'range');

  const perTarget = targets.map((t) => scoreOne(t, prediction, types, stem));
  const best: Record<string, RougeScore> = {};
  for (const type of types) {
    let pick = perTarget[0]![type]!;
    for (const scores of perTarget) if (scores[type]!.fmeasure > pick.fmeasure) pick = scores[type]!;
    best[type] = pick;
  }
  return best as Record<T, RougeScore>;
}
