// One llama-loom run: load, prompt → first token, then generation with each strategy (greedy,
// top-k/top-p/temperature in TypeScript, llama.cpp's native sampler chain, 4-beam search, and a
// bare decode loop that samples nothing, the like of llama-bench's tg test).
import { generate, loadModel, NativeSampler } from '../index.js';
import type { Context } from '../context.js';
import { THROUGHPUT_INLINE_DECODE_MS } from '../decode-scheduler.js';
import { alternatingRounds } from './alternating-rounds.js';
import { promptTokenIds, rotate, SAMPLING, type JobResult, type JobSpec, type PairedSampling, type PairedTg, type StrategyFigures } from './job.js';
import { referenceLoop } from './reference-loop.js';
import { ReferenceTg } from './reference-tg.js';
import { withLoopDelay } from './loop-delay.js';
import { warmUpDecoding } from './synthetic.js';

/** Strategy ids llama-loom reports, in their default order. */
export const LOOM_STRATEGIES = ['greedy', 'greedy-inline', 'greedy-short', 'sampling', 'native-chain', 'beam-4', 'decode-only'] as const;

function figures(tokens: number, totalMs: number, stepMs: number): StrategyFigures {
  return { tokens, tokensPerSecond: totalMs > 0 ? (tokens * 1000) / totalMs : 0, stepMs };
}

/** Models whose steps are shorter than this get three warm-up passes (a compile stall would show). */
const SHORT_STEP_MS = 5;

/** Greedy / sampling / beam search through `generate()`, from a one-token (BOS) prompt. */
async function viaGenerate(ctx: Context, bos: number, maxNewTokens: number, options: Parameters<typeof generate>[2]): Promise<StrategyFigures> {
  const t0 = performance.now();
  const r = await generate(ctx, [bos], { ...options, maxNewTokens });
  const totalMs = performance.now() - t0;
  const steps = r.timings.generatedTokens;
  // Each step is one batched decode; the first token comes from the prompt's decode.
  return figures(steps + 1, totalMs, steps > 0 ? r.timings.generationMs / steps : NaN);
}

/** Decodes one token at a time; `pick` chooses the next token after each decode. */
async function decodeLoop(ctx: Context, bos: number, count: number, pick: (step: number) => number): Promise<StrategyFigures> {
  ctx.clear();
  const t0 = performance.now();
  let token = bos;
  let afterFirst = t0;
  for (let i = 0; i < count; i++) {
    await ctx.decode({ tokens: [token], positions: [i] });
    token = pick(i);
    if (i === 0) afterFirst = performance.now();
  }
  const t1 = performance.now();
  return figures(count, t1 - t0, count > 1 ? (t1 - afterFirst) / (count - 1) : NaN);
}

/**
 * The context size of the job's llama-loom contexts, and of its `loom-ref-tg`: llama-bench sizes
 * its tg context to the test (128 tokens), but these contexts also hold the prompt test, and a
 * larger context costs each step more attention work (the 134 M model generated 2.5 % slower with
 * 528 cells than with 144, in one process). Both sides of a paired turn therefore get this size.
 */
function jobContextSize(spec: JobSpec): number {
  return Math.max(spec.promptTokens, spec.genTokens, spec.strategyTokens) + 16;
}

/** Starts the job's `loom-ref-tg` on its model (see {@link pairedRounds}). */
function startReference(spec: JobSpec): Promise<ReferenceTg> {
  return ReferenceTg.start(spec.referenceTgBin!, spec.modelPath, { threads: spec.threads, maxTokens: spec.genTokens, contextSize: jobContextSize(spec) });
}

/**
 * llama-bench's tg test and llama.cpp's greedy generation (both by `ref`, loaded once), the same
 * greedy loop in this process on the inline context, and llama-loom's greedy runs on both
 * contexts, alternating for the job's `pairedBudgetMs`. No warm-up
 * precedes a turn, on either side: each starts on caches the other has just used, and each parks
 * its threadpool when its turn ends, so neither side's workers poll into the other's turn.
 */
async function pairedRounds(ref: ReferenceTg, spec: JobSpec, greedyStepMs: number, greedy: () => Promise<StrategyFigures>, greedyInline: () => Promise<StrategyFigures>, inlineCtx: Context): Promise<PairedTg[]> {
  await ref.run(spec.genTokens);
  await ref.run(spec.genTokens, { greedy: true });
  referenceLoop(inlineCtx, spec.genTokens);
  return alternatingRounds<PairedTg>([
    async (row) => { row.reference = (await ref.run(spec.genTokens)).tokensPerSecond; },
    async (row) => { row.referenceGreedy = (await ref.run(spec.genTokens, { greedy: true })).tokensPerSecond; },
    async (row) => { row.inProcessGreedy = referenceLoop(inlineCtx, spec.genTokens).tokensPerSecond; },
    async (row) => { row.greedy = (await greedy()).tokensPerSecond; },
    async (row) => { row.greedyInline = (await greedyInline()).tokensPerSecond; },
  ], () => ({ reference: NaN, referenceGreedy: NaN, inProcessGreedy: NaN, greedy: NaN, greedyInline: NaN }), spec.genTokens * greedyStepMs, spec.pairedBudgetMs);
}

/**
 * TypeScript sampling and the native sampler chain, alternating for the job's `samplingBudgetMs`:
 * their separate turns within a job lie seconds apart, and the VM's drift over that time was as
 * large as the few per cent the two differ by.
 */
function pairedSampling(stepMs: number, spec: JobSpec, sampling: () => Promise<StrategyFigures>, nativeChain: () => Promise<StrategyFigures>): Promise<PairedSampling[]> {
  return alternatingRounds<PairedSampling>([
    async (row) => { row.sampling = (await sampling()).stepMs; },
    async (row) => { row.nativeChain = (await nativeChain()).stepMs; },
  ], () => ({ sampling: NaN, nativeChain: NaN }), spec.strategyTokens * stepMs, spec.samplingBudgetMs);
}

/** Runs the llama-loom job in this process. */
export async function runLoomJob(spec: JobSpec): Promise<JobResult> {
  // Of two identical loom-ref-tg processes alternating, the one started first read 1–2 % slower
  // (medians of 12–20 rounds, 134 M and 1.1 B models, three runs), so the reference starts
  // before llama-loom loads its model in even repetitions and after it in odd ones.
  let ref = spec.referenceTgBin && spec.rep % 2 === 0 ? await startReference(spec) : undefined;
  try {
    return await loomJob(spec, async () => (ref ??= await startReference(spec)));
  } finally {
    await ref?.close();
  }
}

async function loomJob(spec: JobSpec, reference: () => Promise<ReferenceTg>): Promise<JobResult> {
  const t0 = performance.now();
  const model = await loadModel(spec.modelPath);
  const loadMs = performance.now() - t0;
  try {
    const ctxOptions = {
      contextSize: jobContextSize(spec),
      batchSize: spec.promptTokens,
      threads: spec.threads,
      sequences: 4,
    };
    const ctx = await model.createContext(ctxOptions);
    // What `generate(model, …)` creates for greedy decoding (one sequence, decodes off the JS
    // thread), and what `llama-loom generate` creates (decodes on the JS thread, no handoffs).
    const greedyCtx = await model.createContext({ ...ctxOptions, sequences: 1 });
    const inlineCtx = await model.createContext({ ...ctxOptions, sequences: 1, inlineDecodeMs: THROUGHPUT_INLINE_DECODE_MS });
    try {
      const bos = model.bos ?? 1;
      const V = model.vocabSize;
      const native = new NativeSampler({ ...SAMPLING, seed: spec.seed });
      const sampling = { doSample: true, ...SAMPLING, seed: spec.seed };
      let fixed = spec.seed;
      const nextFixed = () => (fixed = (fixed * 1103515245 + 12345) >>> 0) % (V - 3) + 3;

      const runs: Record<(typeof LOOM_STRATEGIES)[number], () => Promise<StrategyFigures>> = {
        'greedy': () => viaGenerate(greedyCtx, bos, spec.genTokens, {}),
        'greedy-inline': () => viaGenerate(inlineCtx, bos, spec.genTokens, {}),
        // Greedy over the other strategies' length: a step's attention grows with the context, so
        // beam-4's step is compared with greedy steps at the same positions.
        'greedy-short': () => viaGenerate(ctx, bos, spec.strategyTokens, {}),
        'sampling': () => viaGenerate(ctx, bos, spec.strategyTokens, sampling),
        'native-chain': () => decodeLoop(ctx, bos, spec.strategyTokens, () => native.sample(ctx, -1)),
        'beam-4': () => viaGenerate(ctx, bos, spec.strategyTokens, { numBeams: 4 }),
        'decode-only': () => decodeLoop(ctx, bos, spec.genTokens, nextFixed),
      };

      // Warm-up: V8 optimises the decoding paths on synthetic rows (no decode needed), then every
      // timed run once, untimed, at its full length; where steps are short, three times. Shorter
      // warm-ups left V8 compiling during the timed runs, and on two cores its compiler thread
      // takes a core from a ggml worker: a first 48-step beam search had 3–5 ms decodes among ~1 ms
      // ones, and the async generation path (ContextBackend.advance, decodeSinglePath,
      // decodePrepared: 24–64 ms of compiling each, --trace-opt) is only compiled after several
      // hundred steps, slowing the 4 M model's generations it overlapped by 30–60 %. A long-running
      // process is past all that after its first generations; this measures that steady state.
      await warmUpDecoding(V, [{}, sampling, { numBeams: 4 }]);
      const warmGreedy = await runs.greedy();
      const passes = warmGreedy.stepMs < SHORT_STEP_MS ? 3 : 1;
      for (let pass = 0; pass < passes; pass++) {
        for (const id of LOOM_STRATEGIES) if (pass > 0 || id !== 'greedy') await runs[id]();
      }

      // Prompt → first token. Evaluated once untimed first, as llama-bench's warm-up does: the first
      // full batch faults in the compute buffers sized for it (~50 ms of page faults on the 134 M
      // model's 512-token prompt), which a process pays once, not per prompt.
      const prompt = promptTokenIds(spec.promptTokens, spec.vocabSize, spec.seed);
      await generate(ctx, prompt, { maxNewTokens: 1 });
      let first = 0;
      const p0 = performance.now();
      await generate(ctx, prompt, { maxNewTokens: 1 }, () => {
        if (first === 0) first = performance.now();
      });
      const ttftMs = (first || performance.now()) - p0;

      const copied = (): number => ctx.logitsBytesCopied + greedyCtx.logitsBytesCopied + inlineCtx.logitsBytesCopied;
      const copiedBefore = copied();
      const strategies: Record<string, StrategyFigures> = {};
      let loopDelay = { p50Ms: NaN, p99Ms: NaN, maxMs: NaN };
      let loopDelayInline = loopDelay;
      for (const id of rotate(LOOM_STRATEGIES, spec.rep)) {
        if (id === 'greedy' || id === 'greedy-inline') {
          const { value, delay } = await withLoopDelay(runs[id]);
          strategies[id] = value;
          if (id === 'greedy') loopDelay = delay;
          else loopDelayInline = delay;
        } else {
          strategies[id] = await runs[id]();
        }
      }
      const copiedByStrategies = copied() - copiedBefore;
      const pairedTg = spec.referenceTgBin ? await pairedRounds(await reference(), spec, warmGreedy.stepMs, () => runs.greedy(), () => runs['greedy-inline'](), inlineCtx) : undefined;
      const sampled = await pairedSampling(strategies.sampling!.stepMs, spec, () => runs.sampling(), () => runs['native-chain']());
      native.dispose();
      const generated = Object.values(strategies).reduce((n, s) => n + s.tokens, 0);
      return {
        contender: 'llama-loom',
        runtimeInitMs: 0,
        loadMs,
        ttftMs,
        promptTokensPerSecond: (spec.promptTokens * 1000) / ttftMs,
        strategies,
        loopDelay,
        loopDelayInline,
        ...(pairedTg ? { pairedTg } : {}),
        pairedSampling: sampled,
        logitsBytesPerToken: copiedByStrategies / generated,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      };
    } finally {
      ctx.dispose();
      greedyCtx.dispose();
      inlineCtx.dispose();
    }
  } finally {
    model.dispose();
  }
}
