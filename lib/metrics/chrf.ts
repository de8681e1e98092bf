// chrF and chrF++ exactly as sacrebleu 2.x computes them: character n-grams (whitespace removed
// by default) plus, for chrF++, word n-grams after splitting punctuation off word edges; per
// segment the best-scoring reference is kept; corpus statistics are summed, then turned into an
// F-beta score by averaging precision and recall over the orders that occur (sacrebleu's default)
// or, with epsSmoothing, by averaging per-order F scores as chrF++.py does.

import { checkBoolean, checkInteger, checkObject, checkString, fail } from '../validate.js';
import { pyFixed } from './format.js';
import { formatSignature } from './signature.js';
import { codePoints, increment, ngramCounts, pySplit, totalCount, type Counts } from './text.js';
import { checkReferenceStreams, checkStringArray } from './validate-text.js';

/** Options of {@link corpusChrf} / {@link sentenceChrf}; defaults are sacrebleu's. */
export interface ChrfOptions {
  /** Character n-gram order; default 6. */
  charOrder?: number;
  /** Word n-gram order; default 0 (chrF), 2 gives chrF++. */
  wordOrder?: number;
  /** Recall weight beta; default 2. */
  beta?: number;
  /** Lowercase first; default false. */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams; default false. */
  whitespace?: boolean;
  /** chrF++.py-style epsilon smoothing instead of effective-order averaging; default false. */
  epsSmoothing?: boolean;
}

/** A chrF result. */
export interface ChrfScore {
  /** chrF in [0, 100]. */
  score: number;
  /** `chrF2`, `chrF2++`, …: beta, then one `+` per word order. */
  name: string;
  charOrder: number;
  wordOrder: number;
  beta: number;
  /** e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:llama-loom-0.1.0`. */
  signature: string;
}

type Resolved = Required<ChrfOptions>;

function resolveOptions(options: unknown): Resolved {
  const o = options === undefined ? {} : checkObject('options', options);
  return {
    charOrder: o.charOrder === undefined ? 6 : checkInteger('options.charOrder', o.charOrder, { min: 1 }),
    wordOrder: o.wordOrder === undefined ? 0 : checkInteger('options.wordOrder', o.wordOrder, { min: 0 }),
    beta: o.beta === undefined ? 2 : checkInteger('options.beta', o.beta, { min: 0 }),
    lowercase: o.lowercase === undefined ? false : checkBoolean('options.lowercase', o.lowercase),
    whitespace: o.whitespace === undefined ? false : checkBoolean('options.whitespace', o.whitespace),
    epsSmoothing: o.epsSmoothing === undefined ? false : checkBoolean('options.epsSmoothing', o.epsSmoothing),
  };
}

// string.punctuation: what chrF++ strips from the first or last position of a word.
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** Words with one leading or trailing punctuation mark split off (m-popovic/chrF rules). */
export function chrfWords(sentence: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sentence)) {
    const chars = codePoints(w);
    if (chars.length === 1) out.push(w);
    else if (PUNCTUATION.has(chars[chars.length - 1]!)) out.push(chars.slice(0, -1).join(''), chars[chars.length - 1]!);
    else if (PUNCTUATION.has(chars[0]!)) out.push(chars[0]!, chars.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

function charNgrams(line: string, order: number, whitespace: boolean): Counts[] {
  const chars = codePoints(whitespace ? line : pySplit(line).join(''));
  const out: Counts[] = [];
  for (let n = 1; n <= order; n++) {
    const counts: Counts = new Map();
    for (let i = 0; i + n <= chars.length; i++) increment(counts, chars.slice(i, i + n).join(''));
    out.push(counts);
  }
  return out;
}

function allNgrams(segment: string, o: Resolved): Counts[] {
  const grams = charNgrams(segment, o.charOrder, o.whitespace);
  if (o.wordOrder > 0) {
    const words = chrfWords(segment);
    for (let n = 1; n <= o.wordOrder; n++) grams.push(ngramCounts(words, n));
  }
  return grams;
}

/** [hyp, ref, match] counts per order, flattened. */
function matchStatistics(hyp: Counts[], ref: Counts[]): number[] {
  const stats: number[] = [];
  hyp.forEach((h, i) => {
    const r = ref[i]!;
    let hypCount = 0;
    let match = 0;
    for (const [gram, c] of h) {
      hypCount += c;
      match += Math.min(c, r.get(gram) ?? 0);
    }
    // An order the reference lacks contributes no hypothesis n-grams either.
    stats.push(r.size ? hypCount : 0, totalCount(r), match);
  });
  return stats;
}

/** sacrebleu's `CHRF._compute_f_score` over flattened [hyp, ref, match] statistics. */
function fScore(stats: number[], o: Resolved): number {
  const eps = 1e-16;
  const factor = o.beta ** 2;
  const orders = stats.length / 3;
  let epsScore = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < orders; i++) {
    const [nHyp, nRef, nMatch] = [stats[3 * i]!, stats[3 * i + 1]!, stats[3 * i + 2]!];
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    epsScore += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (o.epsSmoothing) return (100 * epsScore) / orders;
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * (1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec);
}

function segmentStatistics(hyp: string, refs: string[], o: Resolved): number[] {
  const prep = (s: string) => (o.lowercase ? s.toLowerCase() : s);
  const hypGrams = allNgrams(prep(hyp), o);
  let best: number[] = [];
  let bestF = -1;
  for (const ref of refs) {
    const stats = matchStatistics(hypGrams, allNgrams(prep(ref), o));
    const f = fScore(stats, o);
    if (f > bestF) {
      bestF = f;
      best = stats;
    }
  }
  return best;
}

function scoreSegments(hypotheses: string[], references: string[][], o: Resolved): ChrfScore {
  const sum = new Array<number>(3 * (o.charOrder + o.wordOrder)).fill(0);
  hypotheses.forEach((hyp, i) => {
    segmentStatistics(hyp, references.map((stream) => stream[i]!), o).forEach((v, j) => { sum[j]! += v; });
  });
  const signature = formatSignature([
    ['nrefs', references.length],
    ['case', o.lowercase ? 'lc' : 'mixed'],
    ['eff', o.epsSmoothing ? 'no' : 'yes'],
    ['nc', o.charOrder],
    ['nw', o.wordOrder],
    ['space', o.whitespace ? 'yes' : 'no'],
  ]);
  return {
    score: fScore(sum, o),
    name: `chrF${o.beta}${'+'.repeat(o.wordOrder)}`,
    charOrder: o.charOrder,
    wordOrder: o.wordOrder,
    beta: o.beta,
    signature,
  };
}

/**
 * Corpus chrF / chrF++, equal to sacrebleu's `CHRF(...).corpus_score(hypotheses, references)`.
 * @param references reference streams: `references[k][i]` is the k-th reference of segment i.
 */
export function corpusChrf(hypotheses: string[], references: string[][], options?: ChrfOptions): ChrfScore {
  const hyps = checkStringArray('hypotheses', hypotheses);
  const refs = checkReferenceStreams('references', references, hyps.length);
  return scoreSegments(hyps, refs, resolveOptions(options));
}

/** Sentence chrF / chrF++ of one hypothesis against its references (sacrebleu's `sentence_chrf`). */
export function sentenceChrf(hypothesis: string, references: string[], options?: ChrfOptions): ChrfScore {
  const hyp = checkString('hypothesis', hypothesis);
  const refs = checkStringArray('references', references);
  if (refs.length === 0) fail('references', 'a non-empty array of strings', refs, 'range');
  return scoreSegments([hyp], refs.map((r) => [r]), resolveOptions(options));
}

/** sacrebleu's text form, e.g. `chrF2++ = 59.15`. */
export function formatChrf(score: ChrfScore): string {
  return `${score.name} = ${pyFixed(score.score, 2)}`;
}
