// The evaluation loop: every strategy generates a continuation for every prompt on one reused
// context; the outputs are scored against the references with the library's sacrebleu/rouge-score
// equal metrics, and the references' own perplexity given the prompts is measured once.

import { Context, type ContextOptions } from '../context.js';
import { abortError } from '../errors.js';
import { generate } from '../generate.js';
import { corpusBleu, type BleuScore } from '../metrics/bleu.js';
import { corpusChrf } from '../metrics/chrf.js';
import { rougeScores } from '../metrics/rouge.js';
import { scoreContinuations } from '../metrics/score.js';
import { Model } from '../model.js';
import { checkBoolean, checkFunction, checkInteger, checkObject, checkSignal, fail } from '../validate.js';
import type { EvalItem } from './dataset.js';
import { parseStrategy, type EvalStrategy } from './strategy.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The model, or a context to generate on (it needs as many sequences as the widest beam). */
  model: Model | Context;
  dataset: readonly EvalItem[];
  /** Specs for {@link parseStrategy} or parsed strategies. */
  strategies: readonly (string | EvalStrategy)[];
  /** Most tokens per generation; default 64. */
  maxNewTokens?: number;
  /** Seed given to the sampling strategies parsed from specs. */
  seed?: number;
  /** Options of the context created for a Model (sequences is set to the widest beam). */
  context?: ContextOptions;
  /** Measure the references' perplexity given the prompts; default true. */
  referencePerplexity?: boolean;
  onProgress?: (progress: EvalProgress) => void;
  /** Stops the run; the promise rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** Progress of {@link evaluate}: one step per generation and one per scored item. */
export interface EvalProgress {
  done: number;
  total: number;
  /** The strategy that just generated, or `reference perplexity`. */
  stage: string;
}

/** Scores of one strategy; BLEU, chrF and ROUGE are in [0, 100]. */
export interface StrategyReport {
  label: string;
  config: EvalStrategy['config'];
  /** Corpus BLEU (sacrebleu defaults). */
  bleu: number;
  /** Corpus chrF2 (sacrebleu defaults). */
  chrf: number;
  /** Mean over items of the ROUGE-1 / ROUGE-2 / ROUGE-L F-measure (best reference), × 100. */
  rouge1: number;
  rouge2: number;
  rougeL: number;
  /** Mean generated tokens per item (an end-of-generation token included). */
  meanLength: number;
  /** Decoding steps per second over all items, prompt processing excluded. */
  tokensPerSecond: number;
  /** The generated texts, one per item. */
  outputs: string[];
  /** Generated token counts, one per item. */
  lengths: number[];
  bleuDetail: BleuScore;
}

/** Perplexity of the references given their prompts. */
export interface ReferencePerplexity {
  /** exp(total NLL / scored tokens). */
  ppl: number;
  meanNll: number;
  tokens: number;
}

/** What {@link evaluate} returns. */
export interface EvalReport {
  items: number;
  maxNewTokens: number;
  strategies: StrategyReport[];
  referencePerplexity: ReferencePerplexity | null;
}

/**
 * sacrebleu's reference streams (`streams[k][i]`) from per-item reference lists. Items with fewer
 * references repeat their last one: a duplicate reference changes no BLEU or chrF statistic.
 */
export function referenceStreams(dataset: readonly EvalItem[]): string[][] {
  const width = Math.max(...dataset.map((d) => d.references.length));
  return Array.from({ length: width }, (_, k) => dataset.map((d) => d.references[Math.min(k, d.references.length - 1)]!));
}

function checkDataset(value: unknown): readonly EvalItem[] {
  if (!Array.isArray(value) || value.length === 0) fail('dataset', 'a non-empty array of { prompt, references } items', value);
  value.forEach((d, i) => {
    const o = checkObject(`dataset[${i}]`, d);
    if (typeof o.prompt !== 'string' || o.prompt.length === 0) fail(`dataset[${i}].prompt`, 'a non-empty string', o.prompt);
    if (!Array.isArray(o.references) || o.references.length === 0 || o.references.some((r) => typeof r !== 'string')) {
      fail(`dataset[${i}].references`, 'a non-empty array of strings', o.references);
    }
  });
  return value as EvalItem[];
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Generates with every strategy for every item and scores the outputs (corpus BLEU and chrF,
 * mean ROUGE-1/2/L F, mean length, decoding speed), plus the references' perplexity given the
 * prompts. Sampling strategies parsed from specs all get `seed`, so a run is reproducible.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const o = checkObject('options', options) as unknown as EvaluateOptions;
  const target = o.model;
  if (!(target instanceof Model) && !(target instanceof Context)) fail('model', 'a Model or a Context', target);
  const dataset = checkDataset(o.dataset);
  if (!Array.isArray(o.strategies) || o.strategies.length === 0) fail('strategies', 'a non-empty array of strategy specs', o.strategies);
  const strategies = o.strategies.map((s, i) => (typeof s === 'string' ? parseStrategy(s, o.seed) : checkObject(`strategies[${i}]`, s) as unknown as EvalStrategy));
  const maxNewTokens = checkInteger('maxNewTokens', o.maxNewTokens ?? 64, { min: 1 });
  const withPpl = o.referencePerplexity === undefined ? true : checkBoolean('referencePerplexity', o.referencePerplexity);
  const onProgress = o.onProgress === undefined ? undefined : checkFunction<(p: EvalProgress) => void>('onProgress', o.onProgress);
  const signal = checkSignal('signal', o.signal);

  const widest = Math.max(1, ...strategies.map((s) => Math.max(s.config.numBeams ?? 1, s.config.numReturnSequences ?? 1)));
  const ctx = target instanceof Context ? target : await target.createContext({ ...(o.context ?? {}), sequences: Math.max(widest, o.context?.sequences ?? 1) });
  const total = dataset.length * strategies.length + (withPpl ? dataset.length : 0);
  let done = 0;
  const step = (stage: string) => onProgress?.({ done: ++done, total, stage });
  try {
    const reports: StrategyReport[] = [];
    for (const strategy of strategies) {
      const outputs: string[] = [];
      const lengths: number[] = [];
      let steps = 0;
      let ms = 0;
      for (const item of dataset) {
        if (signal?.aborted) throw abortError('evaluation', signal);
        const res = await generate(ctx, item.prompt, { ...strategy.config, maxNewTokens, ...(signal ? { signal } : {}) });
        if (signal?.aborted) throw abortError('evaluation', signal);
        outputs.push(res.text);
        lengths.push(res.tokens.length);
        steps += res.timings.generatedTokens;
        ms += res.timings.generationMs;
        step(strategy.label);
      }
      reports.push(scoreStrategy(strategy, dataset, outputs, lengths, ms > 0 ? (steps / ms) * 1000 : 0));
    }
    let referencePerplexity: ReferencePerplexity | null = null;
    if (withPpl) {
      let nll = 0;
      let tokens = 0;
      for (const item of dataset) {
        const scores = await scoreContinuations(ctx, item.prompt, item.references, signal ? { signal } : {});
        for (const s of scores) { nll -= s.sum; tokens += s.tokens.length; }
        step('reference perplexity');
      }
      referencePerplexity = { ppl: Math.exp(nll / tokens), meanNll: nll / tokens, tokens };
    }
    return { items: dataset.length, maxNewTokens, strategies: reports, referencePerplexity };
  } finally {
    if (ctx !== target) ctx.dispose();
  }
}

function scoreStrategy(strategy: EvalStrategy, dataset: readonly EvalItem[], outputs: string[], lengths: number[], tokensPerSecond: number): StrategyReport {
  const streams = referenceStreams(dataset);
  const bleuDetail = corpusBleu(outputs, streams);
  const rouge = outputs.map((out, i) => rougeScores(dataset[i]!.references, out, { types: ['rouge1', 'rouge2', 'rougeL'] as const }));
  return {
    label: strategy.label,
    config: strategy.config,
    bleu: bleuDetail.score,
    chrf: corpusChrf(outputs, streams).score,
    rouge1: 100 * mean(rouge.map((r) => r.rouge1.fmeasure)),
    rouge2: 100 * mean(rouge.map((r) => r.rouge2.fmeasure)),
    rougeL: 100 * mean(rouge.map((r) => r.rougeL.fmeasure)),
    meanLength: mean(lengths),
    tokensPerSecond,
    outputs,
    lengths,
    bleuDetail,
  };
}
