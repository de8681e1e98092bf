// One node-llama-cpp run, mirroring the llama-loom job: its prebuilt CPU binary, the same model,
// context size and thread count; prompt → first token, then greedy and top-k/top-p/temperature
// generation through `LlamaContextSequence.evaluate`, its lowest-level generation loop.
import { promptTokenIds, rotate, SAMPLING, type JobResult, type JobSpec, type StrategyFigures } from './job.js';
import { withLoopDelay } from './loop-delay.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Sequence = ReturnType<Awaited<ReturnType<Awaited<ReturnType<Awaited<ReturnType<NodeLlamaCpp['getLlama']>>['loadModel']>>['createContext']>>['getSequence']>;

/** Generates `count` tokens from `first` and times them; one decode per token. */
async function timedEvaluate(seq: Sequence, first: number[], count: number, options: Parameters<Sequence['evaluate']>[1]): Promise<{ ms: number; firstMs: number; tokens: number }> {
  await seq.clearHistory();
  const t0 = performance.now();
  let firstMs = 0;
  let n = 0;
  for await (const _token of seq.evaluate(first as unknown as Parameters<Sequence['evaluate']>[0], options)) {
    if (n === 0) firstMs = performance.now() - t0;
    if (++n >= count) break;
  }
  return { ms: performance.now() - t0, firstMs, tokens: n };
}

function figures(r: { ms: number; firstMs: number; tokens: number }): StrategyFigures {
  return {
    tokens: r.tokens,
    tokensPerSecond: r.ms > 0 ? (r.tokens * 1000) / r.ms : 0,
    stepMs: r.tokens > 1 ? (r.ms - r.firstMs) / (r.tokens - 1) : NaN,
  };
}

/** Runs the node-llama-cpp job in this process. */
export async function runNodeLlamaCppJob(spec: JobSpec): Promise<JobResult> {
  const t0 = performance.now();
  const { getLlama, LlamaLogLevel } = (await import('node-llama-cpp')) as NodeLlamaCpp;
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: spec.threads, logLevel: LlamaLogLevel.error });
  const runtimeInitMs = performance.now() - t0;
  const t1 = performance.now();
  const model = await llama.loadModel({ modelPath: spec.modelPath, gpuLayers: 0 });
  const loadMs = performance.now() - t1;
  try {
    const context = await model.createContext({
      contextSize: Math.max(spec.promptTokens, spec.genTokens, spec.strategyTokens) + 16,
      batchSize: spec.promptTokens,
      threads: spec.threads,
      sequences: 1,
    });
    try {
      const seq = context.getSequence();
      const bos = model.tokens.bos ?? 1;
      const greedy = { temperature: 0 };
      const sampling = { ...SAMPLING, minP: 0, seed: spec.seed };
      // The same full-length warm-up as llama-loom's job (see loom-job.ts).
      await timedEvaluate(seq, [bos], spec.strategyTokens, greedy);
      await timedEvaluate(seq, [bos], spec.strategyTokens, sampling);

      const prompt = promptTokenIds(spec.promptTokens, spec.vocabSize, spec.seed);
      await timedEvaluate(seq, prompt, 1, greedy); // untimed first, as in the llama-loom job
      const ttftMs = (await timedEvaluate(seq, prompt, 1, greedy)).firstMs;

      const strategies: Record<string, StrategyFigures> = {};
      let loopDelay = { p50Ms: NaN, p99Ms: NaN, maxMs: NaN };
      for (const id of rotate(['greedy', 'sampling'] as const, spec.rep)) {
        if (id === 'greedy') {
          const { value, delay } = await withLoopDelay(() => timedEvaluate(seq, [bos], spec.genTokens, greedy));
          strategies.greedy = figures(value);
          loopDelay = delay;
        } else {
          strategies.sampling = figures(await timedEvaluate(seq, [bos], spec.strategyTokens, sampling));
        }
      }
      return {
        contender: 'node-llama-cpp',
        runtimeInitMs,
        loadMs,
        ttftMs,
        promptTokensPerSecond: (spec.promptTokens * 1000) / ttftMs,
        strategies,
        loopDelay,
        logitsBytesPerToken: null,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
    await llama.dispose();
  }
}
