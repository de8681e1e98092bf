// The shape of bench/results.json, and how per-run figures are summarised into it.
import type { JobResult } from './job.js';
import type { BatchedBenchRun } from './batched-bench.js';
import type { LlamaBenchRun } from './llama-bench.js';
import type { BandwidthResult, MachineInfo } from './machine.js';
import { summarize, type Summary } from './stats.js';
import type { SyntheticPair } from './synthetic.js';

/** A figure's goal: the ratio must be ≥ or ≤ the target. */
export interface Goal {
  op: '>=' | '<=';
  target: number;
}

/** One reported ratio. */
export interface RatioEntry {
  /** Model id, or 'synthetic' for the logits-only measurements. */
  model: string;
  name: string;
  value: Summary;
  goal?: Goal;
  /** Whether the median meets the goal (absent without a goal or without a value). */
  met?: boolean;
}

/** llama-loom's perplexity() against llama-perplexity, timed end to end. */
export interface PerplexityFigures {
  model: string;
  contextSize: number;
  /** Wall time llama-loom ÷ llama-perplexity, one ratio per interleaved pair of runs. */
  ratio: Summary;
  loomSeconds: number[];
  referenceSeconds: number[];
  /** The `PPL = X +/- Y` line each printed (they must agree). */
  loomEstimate: string;
  referenceEstimate: string | null;
}

/** A contender that could not be measured says why. */
export interface Failed {
  error: string;
}

/** Summaries of a set of llama-loom or node-llama-cpp runs. */
export interface JobSummary {
  runtimeInitMs: Summary;
  loadMs: Summary;
  ttftMs: Summary;
  promptTokensPerSecond: Summary;
  peakRssBytes: Summary;
  loopDelayP50Ms: Summary;
  loopDelayP99Ms: Summary;
  /** llama-loom: event-loop delay while generating with inline decodes (NaN for node-llama-cpp). */
  loopDelayInlineP99Ms: Summary;
  logitsBytesPerToken: Summary;
  strategies: Record<string, { tokensPerSecond: Summary; stepMs: Summary }>;
}

/** Everything measured on one model. */
export interface ModelResult {
  id: string;
  description: string;
  file: string;
  fileBytes: number;
  promptTokens: number;
  genTokens: number;
  strategyTokens: number;
  /** Bandwidth ÷ model bytes: tokens/s if every weight byte is read once per token at the measured copy bandwidth. */
  tgCeilingTokensPerSecond: number;
  llamaBench?: { runs: LlamaBenchRun[]; pp: Summary; tg: Summary; peakRssBytes: Summary } | Failed;
  /** llama-batched-bench in llama-bench's turn: llama.cpp's own 1- and 4-sequence step times. */
  batchedBench?: { runs: BatchedBenchRun[]; oneSequenceStepMs: Summary; fourSequenceStepMs: Summary } | Failed;
  nodeLlamaCpp?: { runs: JobResult[]; summary: JobSummary } | Failed;
  llamaLoom?: { runs: JobResult[]; summary: JobSummary } | Failed;
}

/** bench/results.json. */
export interface BenchResults {
  version: 1;
  mode: 'quick' | 'full';
  startedAt: string;
  durationSeconds: number;
  threads: number;
  repetitions: number;
  /** OMP_WAIT_POLICY given to every contender process ('' = OpenMP's default, spinning). */
  ompWaitPolicy: string;
  isolated: boolean;
  machine: MachineInfo & { copyBandwidth: BandwidthResult; llamaCommit: string; backend: string };
  models: ModelResult[];
  synthetic: SyntheticPair[];
  /** bench/decoding-steps.ts results when that module was available. */
  decodingSteps?: unknown[] | Failed;
  /** bench/perplexity.ts result when that module was available. */
  perplexity?: PerplexityFigures | Failed;
  ratios: RatioEntry[];
}

/** Whether a field holds a failure. */
export function isFailed(x: unknown): x is Failed {
  return typeof x === 'object' && x !== null && typeof (x as Failed).error === 'string';
}

/** Summarises a contender's runs field by field. */
export function summarizeJobs(runs: readonly JobResult[]): JobSummary {
  const s = (pick: (r: JobResult) => number | null) => summarize(runs.map((r) => pick(r) ?? NaN));
  const ids = [...new Set(runs.flatMap((r) => Object.keys(r.strategies)))];
  return {
    runtimeInitMs: s((r) => r.runtimeInitMs),
    loadMs: s((r) => r.loadMs),
    ttftMs: s((r) => r.ttftMs),
    promptTokensPerSecond: s((r) => r.promptTokensPerSecond),
    peakRssBytes: s((r) => r.peakRssBytes),
    loopDelayP50Ms: s((r) => r.loopDelay.p50Ms),
    loopDelayP99Ms: s((r) => r.loopDelay.p99Ms),
    loopDelayInlineP99Ms: s((r) => r.loopDelayInline?.p99Ms ?? NaN),
    logitsBytesPerToken: s((r) => r.logitsBytesPerToken),
    strategies: Object.fromEntries(ids.map((id) => [id, {
      tokensPerSecond: s((r) => r.strategies[id]?.tokensPerSecond ?? NaN),
      stepMs: s((r) => r.strategies[id]?.stepMs ?? NaN),
    }])),
  };
}

/**
 * Ratio a ÷ b from runs taken side by side: each repetition's pair gives one ratio (neighbours in
 * time share the machine's load), and the ratios are summarised. Unpaired samples are dropped.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary {
  const r: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && b[i] !== 0) r.push(a[i]! / b[i]!);
  }
  return summarize(r);
}

/** Builds a ratio entry and decides whether its goal is met. */
export function ratioEntry(model: string, name: string, value: Summary, goal?: Goal): RatioEntry {
  const e: RatioEntry = { model, name, value };
  if (goal) {
    e.goal = goal;
    if (value.n > 0) e.met = goal.op === '>=' ? value.median >= goal.target : value.median <= goal.target;
  }
  return e;
}
