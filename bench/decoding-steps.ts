// Per-token cost of the TypeScript decoding strategies on synthetic logits, measured through the
// real runDecoding code path: a backend with precomputed rows timestamps every advance() call, and
// the gap between two calls is one step's work (copy, log-softmax for the log-probs, processors,
// selection). Rows are generated before timing, so the measured loop allocates nothing vocab-sized.
import type { StepBackend } from '../lib/decoding/backend.js';
import { runDecoding, type DecodingConfig } from '../lib/decoding/index.js';
import { syntheticLogits as syntheticRows } from '../lib/bench/synthetic.js';

/** One measured configuration. */
export interface DecodingStepTiming {
  vocabSize: number;
  strategy: string;
  /** Median wall time of one decoding step, microseconds (all beams together for beam search). */
  medianUs: number;
  /** 90th percentile, microseconds. */
  p90Us: number;
  steps: number;
}

export interface DecodingBenchOptions {
  /** Vocabulary sizes to test. Default [32000, 152064] (Llama-2 and Qwen2 sizes). */
  vocabSizes?: readonly number[];
  /** Timed steps per configuration. Default 200. */
  iterations?: number;
  /** Seed for the synthetic logits. Default 1. */
  seed?: number;
}

const STRATEGIES: readonly { name: string; config: DecodingConfig }[] = [
  { name: 'greedy argmax', config: {} },
  { name: 'top-k 40', config: { doSample: true, topK: 40, seed: 1 } },
  { name: 'temperature 0.8 + top-p 0.9', config: { doSample: true, topK: 0, temperature: 0.8, topP: 0.9, seed: 1 } },
  { name: 'min-p 0.05', config: { doSample: true, topK: 0, minP: 0.05, seed: 1 } },
  { name: 'beam search, 4 beams', config: { numBeams: 4 } },
];

/** A backend serving precomputed rows and timestamping each step; it never ends a sequence. */
class TimedBackend implements StepBackend {
  readonly stamps: number[] = [];
  private served = 0;

  constructor(readonly vocabSize: number, private readonly rows: Float32Array[], maxBeams: number) {
    this.out = Array.from({ length: maxBeams }, () => rows[0]!);
  }

  private readonly out: Float32Array[];

  async prefill(): Promise<Float32Array> {
    return this.rows[0]!;
  }

  async advance(parents: Int32Array): Promise<Float32Array[]> {
    this.stamps.push(performance.now());
    const out = this.out.slice(0, parents.length);
    for (let i = 0; i < out.length; i++) out[i] = this.rows[this.served++ % this.rows.length]!;
    return out;
  }

  isEndOfGeneration(): boolean {
    return false;
  }

  tokenBytes(): Uint8Array {
    return new Uint8Array(0);
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Measures the median per-token (per-step) cost of greedy argmax, top-k 40, temperature + top-p 0.9,
 * min-p and a 4-beam search step, for each vocabulary size. Returns one row per (size, strategy).
 */
export async function benchDecodingSteps(options: DecodingBenchOptions = {}): Promise<DecodingStepTiming[]> {
  const vocabSizes = options.vocabSizes ?? [32000, 152064];
  const iterations = options.iterations ?? 200;
  const results: DecodingStepTiming[] = [];
  for (const vocabSize of vocabSizes) {
    const rows = syntheticRows(vocabSize, 8, options.seed ?? 1);
    for (const { name, config } of STRATEGIES) {
      // Warm-up run lets the JIT settle before the timed one.
      const warm = new TimedBackend(vocabSize, rows, 4);
      await runDecoding(warm, Int32Array.of(0), { ...config, maxNewTokens: 20 });
      const backend = new TimedBackend(vocabSize, rows, 4);
      await runDecoding(backend, Int32Array.of(0), { ...config, maxNewTokens: iterations + 2 });
      const gaps = backend.stamps.slice(1).map((t, i) => (t - backend.stamps[i]!) * 1000).sort((a, b) => a - b);
      results.push({ vocabSize, strategy: name, medianUs: percentile(gaps, 0.5), p90Us: percentile(gaps, 0.9), steps: gaps.length });
    }
  }
  return results;
}

/** Renders the timings as a fixed-width text table. */
export function formatDecodingStepTable(rows: readonly DecodingStepTiming[]): string {
  const head = ['vocab', 'strategy', 'median µs', 'p90 µs'];
  const body = rows.map((r) => [String(r.vocabSize), r.strategy, r.medianUs.toFixed(1), r.p90Us.toFixed(1)]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  return [head, ...body].map((cells) => cells.map((x, c) => x.padEnd(widths[c]!)).join('  ')).join('\n');
}
