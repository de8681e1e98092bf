// The benchmark: every contender on every model, repetitions interleaved (A B C, B C A, …), then
// synthetic-logits decoding costs, optional repo-only extras, ratios, and the files.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import { readGguf } from '../gguf/reader.js';
import { systemInfo } from '../system.js';
import { checkInteger, checkObject, checkString } from '../validate.js';
import { rotate, type JobResult, type JobSpec } from './job.js';
import { runBatchedBench, type BatchedBenchRun } from './batched-bench.js';
import { referenceToolPath, runLlamaBench, type LlamaBenchRun } from './llama-bench.js';
import { machineInfo, measureCopyBandwidth } from './machine.js';
import { benchModelSpecs, ensureBenchModel, type BenchModel } from './models.js';
import { modelRatios, syntheticRatios } from './ratios.js';
import { isFailed, ratioEntry, summarizeJobs, type BenchResults, type Failed, type ModelResult, type PerplexityFigures } from './results.js';
import { canIsolate, runJob } from './run-job.js';
import { summarize } from './stats.js';
import { benchSyntheticPairs } from './synthetic.js';

/** The contenders a run can include. */
export const CONTENDERS = ['llama-bench', 'node-llama-cpp', 'llama-loom'] as const;
export type Contender = (typeof CONTENDERS)[number];

/** Measurements that live outside lib/ (bench/*.ts in a checkout), handed in by the caller. */
export interface BenchExtras {
  decodingSteps?: () => Promise<unknown[]>;
  /** Times llama-loom's perplexity against llama-perplexity; `ratio` is loom ÷ tool wall time. */
  perplexity?: (model: BenchModel, threads: number) => Promise<PerplexityFigures>;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Repository (or package) root: build/bin tools, deps/ vocabulary. */
  repoRoot: string;
  /** Where fixture models are written; default `<repoRoot>/.cache/bench-models`. */
  cacheDir?: string;
  /** Quick smoke run: the small models, one repetition, short runs. */
  quick?: boolean;
  /** Threads for every contender; default llama-loom's default (physical cores). */
  threads?: number;
  /** Repetitions per contender; default 5 (quick: 1). */
  repetitions?: number;
  /** Model ids to run (default: every model of the mode). */
  models?: readonly string[];
  /** Contenders to run (default all). */
  contenders?: readonly Contender[];
  /** Run jobs in child processes (default: when the compiled worker exists). */
  isolate?: boolean;
  /** A run taking longer than this is stopped and its contender skipped on that model (default 150 s; quick 60 s). */
  jobTimeoutSeconds?: number;
  /** OMP_WAIT_POLICY for contender processes: 'default' leaves OpenMP's own (spinning); 'auto' (default) = passive when other processes already fill the cores. */
  ompWaitPolicy?: 'auto' | 'active' | 'passive' | 'default';
  extras?: BenchExtras;
  log?: (line: string) => void;
}

function failure(err: unknown): Failed {
  return { error: (err as Error)?.message ?? String(err) };
}

async function vocabSize(path: string): Promise<number> {
  const f = await readGguf(path);
  const tokens = f.kv.get('tokenizer.ggml.tokens');
  return Array.isArray(tokens?.value) ? tokens.value.length : 32000;
}

function resolveOmp(policy: NonNullable<BenchOptions['ompWaitPolicy']>, threads: number): string {
  if (policy === 'default') return '';
  if (policy !== 'auto') return policy.toUpperCase();
  // Spinning OpenMP workers on an oversubscribed machine wait for descheduled peers for whole
  // time slices (llama-bench fell to 2 t/s on a 4 M model), so every OpenMP contender then
  // measures the scheduler. Sleeping workers cost each graph a wake-up on a quiet machine, so
  // 'auto' only turns spinning off when the load average already exceeds the cores.
  return loadavg()[0]! > machineInfo().logicalCores ? 'PASSIVE' : '';
}

/** Runs the whole benchmark and returns the results (writing files is the caller's job). */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  checkObject('options', options);
  const repoRoot = checkString('options.repoRoot', options.repoRoot, { nonEmpty: true });
  const log = options.log ?? (() => {});
  const quick = options.quick === true;
  const sys = systemInfo();
  const threads = checkInteger('options.threads', options.threads ?? sys.defaultThreads, { min: 1, max: 1024 });
  const reps = checkInteger('options.repetitions', options.repetitions ?? (quick ? 1 : 5), { min: 1, max: 100 });
  const contenders = options.contenders ?? CONTENDERS;
  const isolate = options.isolate ?? canIsolate();
  const timeoutMs = 1000 * checkInteger('options.jobTimeoutSeconds', options.jobTimeoutSeconds ?? (quick ? 60 : 150), { min: 1 });
  const started = new Date();
  const t0 = performance.now();

  const omp = resolveOmp(options.ompWaitPolicy ?? 'auto', threads);
  if (omp) process.env.OMP_WAIT_POLICY = omp;
  const machine = machineInfo();
  log(`machine: ${machine.cpuModel}, ${machine.logicalCores} logical cores, load ${machine.loadAverageStart.map((x) => x.toFixed(2)).join(' ')}; threads ${threads}${omp ? `, OMP_WAIT_POLICY=${omp}` : ''}`);
  const bandwidth = measureCopyBandwidth(quick ? 64 << 20 : 256 << 20, quick ? 3 : 8);
  log(`copy bandwidth: ${(bandwidth.bytesPerSecond.median / 1e9).toFixed(1)} GB/s (median of ${bandwidth.passes})`);

  const specs = benchModelSpecs(repoRoot).filter((s) => (options.models ? options.models.includes(s.id) : quick ? s.id === 'default' : true));
  const models: ModelResult[] = [];
  const modelFiles: BenchModel[] = [];
  for (const spec of specs) {
    const model = await ensureBenchModel(spec, repoRoot, options.cacheDir ?? `${repoRoot}/.cache/bench-models`, log);
    modelFiles.push(model);
    const promptTokens = quick ? Math.min(64, spec.promptTokens) : spec.promptTokens;
    const genTokens = quick ? Math.min(32, spec.genTokens) : spec.genTokens;
    const strategyTokens = quick ? 16 : Math.min(48, spec.genTokens);
    const result: ModelResult = {
      id: spec.id, description: spec.description, file: relative(repoRoot, model.path), fileBytes: model.fileBytes,
      promptTokens, genTokens, strategyTokens,
      tgCeilingTokensPerSecond: bandwidth.bytesPerSecond.median / model.fileBytes,
    };
    log(`\n${spec.id}: ${spec.description}, ${(model.fileBytes / 1e6).toFixed(1)} MB; pp ${promptTokens}, tg ${genTokens}, ${reps} repetition(s)`);
    const llamaBenchBin = referenceToolPath(repoRoot, 'llama-bench');
    const referenceTgBin = referenceToolPath(repoRoot, 'loom-ref-tg');
    const pairWithReference = contenders.includes('llama-bench') && existsSync(referenceTgBin);
    const job = (contender: JobSpec['contender'], rep: number, V: number): JobSpec => ({
      contender, modelPath: model.path, vocabSize: V, promptTokens, genTokens, strategyTokens, threads, rep, seed: 1 + rep,
      // The full run's paired rounds take ~200 / 31 / 20 rounds per model; the quick run checks they work.
      pairedBudgetMs: quick ? 3000 : 16000, samplingBudgetMs: quick ? 1500 : 6000,
      ...(contender === 'llama-loom' && pairWithReference ? { referenceTgBin } : {}),
    });
    const V = await vocabSize(model.path);
    const runs: Record<Contender, (LlamaBenchRun | JobResult)[]> = { 'llama-bench': [], 'node-llama-cpp': [], 'llama-loom': [] };
    const errors: Partial<Record<Contender, Failed>> = {};
    const batched: BatchedBenchRun[] = [];
    let batchedError: Failed | undefined;
    const batchedBin = referenceToolPath(repoRoot, 'llama-batched-bench');
    for (let rep = 0; rep < reps; rep++) {
      for (const c of rotate(contenders, rep)) {
        if (errors[c]) continue;
        try {
          const r = c === 'llama-bench'
            ? await runLlamaBench(llamaBenchBin, model.path, { promptTokens, genTokens, threads }, timeoutMs)
            : await runJob(job(c, rep, V), isolate, timeoutMs);
          runs[c].push(r);
          if (c === 'llama-bench' && !batchedError) {
            // Same turn as llama-bench: llama.cpp's own 4-sequence vs 1-sequence step, the bound
            // for llama-loom's beam-4 ÷ greedy step.
            try {
              batched.push(await runBatchedBench(batchedBin, model.path, { genTokens: strategyTokens, threads }, timeoutMs));
            } catch (err) {
              batchedError = failure(err);
              log(`  llama-batched-bench: ${batchedError.error}`);
            }
          }
          const tgv = 'genTokensPerSecond' in r ? r.genTokensPerSecond : r.strategies.greedy?.tokensPerSecond ?? NaN;
          log(`  rep ${rep + 1}/${reps} ${c.padEnd(14)} tg ${tgv.toFixed(1)} t/s`);
        } catch (err) {
          errors[c] = failure(err);
          log(`  ${c}: ${errors[c]!.error}`);
        }
      }
    }
    if (contenders.includes('llama-bench')) {
      const lb = runs['llama-bench'] as LlamaBenchRun[];
      result.llamaBench = errors['llama-bench'] ?? {
        runs: lb,
        pp: summarize(lb.map((r) => r.promptTokensPerSecond ?? NaN)),
        tg: summarize(lb.map((r) => r.genTokensPerSecond)),
        peakRssBytes: summarize(lb.map((r) => r.peakRssBytes ?? NaN)),
      };
      result.batchedBench = batchedError ?? {
        runs: batched,
        oneSequenceStepMs: summarize(batched.map((r) => r.oneSequenceStepMs)),
        fourSequenceStepMs: summarize(batched.map((r) => r.fourSequenceStepMs)),
      };
    }
    for (const [c, key] of [['node-llama-cpp', 'nodeLlamaCpp'], ['llama-loom', 'llamaLoom']] as const) {
      if (!contenders.includes(c)) continue;
      const list = runs[c] as JobResult[];
      result[key] = errors[c] ?? { runs: list, summary: summarizeJobs(list) };
    }
    models.push(result);
  }

  log('\nsynthetic logits: TS decoding vs the native sampler chain on the same rows');
  const synthetic = await benchSyntheticPairs(quick ? { vocabSizes: [32000], steps: 20, blocks: 2 } : { vocabSizes: [32000, 152064], steps: 60, blocks: 5 });

  const results: BenchResults = {
    version: 1,
    mode: quick ? 'quick' : 'full',
    startedAt: started.toISOString(),
    durationSeconds: 0,
    threads,
    repetitions: reps,
    ompWaitPolicy: omp,
    isolated: isolate,
    machine: { ...machine, copyBandwidth: bandwidth, llamaCommit: sys.llamaCommit, backend: sys.backend },
    models,
    synthetic,
    ratios: [],
  };
  if (options.extras?.decodingSteps) {
    log('decoding steps (bench/decoding-steps.ts)');
    try { results.decodingSteps = await options.extras.decodingSteps(); } catch (err) { results.decodingSteps = failure(err); }
  }
  if (options.extras?.perplexity) {
    const target = modelFiles.find((m) => m.id === 'llama-125m') ?? modelFiles[0];
    if (target) {
      log(`perplexity vs llama-perplexity on ${target.id} (bench/perplexity.ts)`);
      try { results.perplexity = await options.extras.perplexity(target, threads); } catch (err) { results.perplexity = failure(err); }
    }
  }
  results.ratios = [...models.flatMap((m) => modelRatios(m, specs.find((s) => s.id === m.id)!.large)), ...syntheticRatios(synthetic)];
  const ppl = results.perplexity;
  if (ppl && !isFailed(ppl)) results.ratios.push(ratioEntry(ppl.model, 'perplexity time ÷ llama-perplexity', ppl.ratio, { op: '<=', target: 1.05 }));
  results.machine.loadAverageEnd = loadavg();
  results.durationSeconds = (performance.now() - t0) / 1000;
  return results;
}
