// llama-loom's perplexity() against llama.cpp's llama-perplexity on the same model and text,
// timed end to end (model load, tokenisation, every chunk) and interleaved A B A B so that load
// from other processes on a shared machine hits both contenders alike. Reports medians and the
// ratio, and checks on the way that both printed the same estimate. Both sides run ggml's OpenMP
// threads; on an oversubscribed machine their spin-waiting dominates, so run the bench with
// OMP_WAIT_POLICY=passive in the environment (it reaches the addon and the child alike).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../lib/model.js';
import { perplexity } from '../lib/metrics/perplexity.js';

/** Options of {@link benchPerplexity}. */
export interface PerplexityBenchOptions {
  /** GGUF model path. */
  model: string;
  /** Text file to evaluate (needs at least 2 × contextSize tokens). */
  textFile: string;
  /** Default 512, llama-perplexity's. */
  contextSize?: number;
  /** Default 2048, llama-perplexity's. */
  batchSize?: number;
  /** Threads for both; default 2. */
  threads?: number;
  /** Timed runs of each contender (at least 3); default 3. */
  runs?: number;
  /** llama-perplexity executable; default build/bin/llama-perplexity of this checkout. */
  referenceTool?: string;
}

/** What {@link benchPerplexity} measured. */
export interface PerplexityBenchResult {
  /** Wall seconds of every run, in order. */
  loomSeconds: number[];
  referenceSeconds: number[];
  loomMedian: number;
  referenceMedian: number;
  /** loomMedian / referenceMedian: below 1 means llama-loom was faster. */
  ratio: number;
  /** The `PPL = X +/- Y` estimate each printed (the same when all is well). */
  loomEstimate: string;
  referenceEstimate: string | null;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function defaultTool(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'bin', 'llama-perplexity');
}

async function runLoom(o: Required<Omit<PerplexityBenchOptions, 'referenceTool'>>, text: string): Promise<{ seconds: number; estimate: string }> {
  const t0 = performance.now();
  const model = await loadModel(o.model);
  try {
    const r = await perplexity(model, text, { contextSize: o.contextSize, batchSize: o.batchSize, threads: o.threads });
    return { seconds: (performance.now() - t0) / 1000, estimate: `PPL = ${r.ppl.toFixed(4)} +/- ${r.pplStderr.toFixed(5)}` };
  } finally {
    model.dispose();
  }
}

function runReference(tool: string, o: Required<Omit<PerplexityBenchOptions, 'referenceTool'>>): Promise<{ seconds: number; estimate: string | null }> {
  const args = ['-m', o.model, '-f', o.textFile, '-c', String(o.contextSize), '-b', String(o.batchSize), '-t', String(o.threads)];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(tool, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const seconds = (performance.now() - t0) / 1000;
      if (err) return reject(new Error(`${tool} failed: ${err.message}\n${stderr.slice(-2000)}`));
      // The tool's asynchronous logger can drop its last lines at exit; the timing still counts.
      const m = /Final estimate: (PPL = \d+\.\d+ \+\/- \d+\.\d+)/.exec(stdout + stderr);
      resolve({ seconds, estimate: m ? m[1]! : null });
    });
  });
}

/**
 * Times llama-loom's perplexity and llama-perplexity on the same file, alternating (loom, tool,
 * loom, tool, …) for `runs` rounds after one untimed warm-up of each, and returns the medians and
 * their ratio. Both are timed from start to finish, model loading included.
 */
export async function benchPerplexity(options: PerplexityBenchOptions): Promise<PerplexityBenchResult> {
  const o = {
    model: options.model,
    textFile: options.textFile,
    contextSize: options.contextSize ?? 512,
    batchSize: options.batchSize ?? 2048,
    threads: options.threads ?? 2,
    runs: Math.max(3, options.runs ?? 3),
  };
  const tool = options.referenceTool ?? defaultTool();
  if (!existsSync(tool)) throw new Error(`${tool} is missing: run npm run build:reference`);
  let text = readFileSync(o.textFile, 'utf8');
  // The tool drops one trailing newline of the file; do the same so both score the same tokens.
  if (text.endsWith('\n')) text = text.slice(0, -1);

  await runLoom(o, text);
  await runReference(tool, o);
  const loomSeconds: number[] = [];
  const referenceSeconds: number[] = [];
  let loomEstimate = '';
  let referenceEstimate: string | null = null;
  for (let i = 0; i < o.runs; i++) {
    const a = await runLoom(o, text);
    loomSeconds.push(a.seconds);
    loomEstimate = a.estimate;
    const b = await runReference(tool, o);
    referenceSeconds.push(b.seconds);
    referenceEstimate = b.estimate ?? referenceEstimate;
  }
  const loomMedian = median(loomSeconds);
  const referenceMedian = median(referenceSeconds);
  return { loomSeconds, referenceSeconds, loomMedian, referenceMedian, ratio: loomMedian / referenceMedian, loomEstimate, referenceEstimate };
}

/** One line per contender plus the ratio, for the bench report. */
export function formatPerplexityBench(r: PerplexityBenchResult): string {
  const runs = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
  return [
    `llama-loom perplexity   median ${r.loomMedian.toFixed(2)} s  (runs: ${runs(r.loomSeconds)})  ${r.loomEstimate}`,
    `llama-perplexity        median ${r.referenceMedian.toFixed(2)} s  (runs: ${runs(r.referenceSeconds)})  ${r.referenceEstimate ?? '(estimate line lost)'}`,
    `ratio llama-loom / llama-perplexity: ${r.ratio.toFixed(2)}`,
  ].join('\n');
}
