// Per-token decoding cost on synthetic logits, llama-loom's TypeScript path against llama.cpp's
// native sampler chain on the very same rows: no model, so only the decoding work is timed.
import { runDecoding, type DecodingConfig } from '../decoding/index.js';
import type { StepBackend } from '../decoding/backend.js';
import { NativeSampler } from '../system.js';
import type { NativeSamplerOptions } from '../native.js';
import { checkInteger } from '../validate.js';
import { summarize, type Summary } from './stats.js';

/** One TS-vs-native pairing measured on the same rows. */
export interface SyntheticPair {
  vocabSize: number;
  /** What both sides do, in words. */
  task: string;
  /** Microseconds per step of the TypeScript strategy (runDecoding, log-probs included). */
  tsUs: Summary;
  /** Microseconds per `NativeSampler.apply(row)` (copy into llama.cpp's candidate array + chain). */
  nativeUs: Summary;
  /** TS ÷ native, one ratio of medians per interleaved block. */
  ratio: Summary;
}

/**
 * Logits with a language model's rough shape: Gaussian noise (σ = 2.5) plus six peaks 14–20 above
 * the mean, from a seeded xorshift generator (Box–Muller).
 */
export function syntheticLogits(vocabSize: number, count: number, seed: number): Float32Array[] {
  checkInteger('vocabSize', vocabSize, { min: 2 });
  checkInteger('count', count, { min: 1 });
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const row = new Float32Array(vocabSize);
    for (let i = 0; i < vocabSize; i++) row[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * 2.5;
    for (let p = 0; p < 6; p++) row[Math.floor(u() * vocabSize)] = 14 + u() * 6;
    return row;
  });
}

/** Serves the rows round-robin and timestamps each step (the gap between two calls is one step). */
class ReplayBackend implements StepBackend {
  readonly stamps: number[] = [];
  private next = 0;
  private readonly out: Float32Array[] = [];
  constructor(readonly vocabSize: number, private readonly rows: Float32Array[]) {}
  async prefill(): Promise<Float32Array> {
    this.stamps.push(performance.now());
    return this.serve();
  }
  async advance(parents: Int32Array): Promise<Float32Array[]> {
    this.stamps.push(performance.now());
    this.out.length = parents.length;
    for (let i = 0; i < parents.length; i++) this.out[i] = this.serve();
    return this.out;
  }
  private serve(): Float32Array {
    return this.rows[this.next++ % this.rows.length]!;
  }
  isEndOfGeneration(): boolean {
    return false;
  }
  tokenBytes(): Uint8Array {
    return new Uint8Array(0);
  }
}

async function timeTs(rows: Float32Array[], config: DecodingConfig, steps: number): Promise<number[]> {
  const backend = new ReplayBackend(rows[0]!.length, rows);
  await runDecoding(backend, Int32Array.of(0), { ...config, maxNewTokens: steps + 1 });
  const gaps: number[] = [];
  for (let i = 1; i < backend.stamps.length; i++) gaps.push((backend.stamps[i]! - backend.stamps[i - 1]!) * 1000);
  return gaps;
}

function timeNative(rows: Float32Array[], options: NativeSamplerOptions, steps: number): number[] {
  const sampler = new NativeSampler(options);
  try {
    const out: number[] = [];
    for (let i = 0; i < steps; i++) {
      const row = rows[i % rows.length]!;
      const t0 = performance.now();
      sampler.apply(row);
      out.push((performance.now() - t0) * 1000);
    }
    return out;
  } finally {
    sampler.dispose();
  }
}

/**
 * Runs each given decoding configuration for `steps` steps on synthetic rows of `vocabSize`, so
 * V8 has optimised the decoding code before a timed run (a long-running process would be warm).
 */
export async function warmUpDecoding(vocabSize: number, configs: readonly DecodingConfig[], steps = 150): Promise<void> {
  const rows = syntheticLogits(vocabSize, 4, 7);
  for (const config of configs) await timeTs(rows, config, steps);
}

const PAIRS: readonly { task: string; ts: DecodingConfig; native: NativeSamplerOptions }[] = [
  { task: 'top-p 0.9 + temperature 0.8', ts: { doSample: true, topK: 0, topP: 0.9, temperature: 0.8, seed: 1 }, native: { topP: 0.9, temperature: 0.8, seed: 1 } },
  { task: 'greedy argmax', ts: {}, native: { greedy: true } },
];

/**
 * Times each pairing on `rowsPerVocab` synthetic rows per vocabulary size, alternating TS and
 * native blocks of `steps` steps `blocks` times (A B A B …) so drifting machine load hits both.
 * Neither side modifies the rows (TypeScript processors work on a copy of each row).
 */
export async function benchSyntheticPairs(options: { vocabSizes?: readonly number[]; steps?: number; blocks?: number; seed?: number } = {}): Promise<SyntheticPair[]> {
  const vocabSizes = options.vocabSizes ?? [32000, 152064];
  const steps = checkInteger('steps', options.steps ?? 60, { min: 2 });
  const blocks = checkInteger('blocks', options.blocks ?? 5, { min: 1 });
  const out: SyntheticPair[] = [];
  for (const V of vocabSizes) {
    const rows = syntheticLogits(V, 8, options.seed ?? 1);
    for (const pair of PAIRS) {
      // Warm-up: JIT and the native chain's buffers.
      await timeTs(rows, pair.ts, 10);
      timeNative(rows, pair.native, 10);
      const ts: number[] = [];
      const nat: number[] = [];
      const ratios: number[] = [];
      for (let b = 0; b < blocks; b++) {
        const a = await timeTs(rows, pair.ts, steps);
        const n = timeNative(rows, pair.native, steps);
        ts.push(...a);
        nat.push(...n);
        ratios.push(summarize(a).median / summarize(n).median);
      }
      out.push({ vocabSize: V, task: pair.task, tsUs: summarize(ts), nativeUs: summarize(nat), ratio: summarize(ratios) });
    }
  }
  return out;
}
