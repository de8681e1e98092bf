// trainModel on the tiny fixture model: it learns (held-out loss falls), follows the documented
// warmup + cosine schedule, is reproducible, stops on abort, and rejects bad arguments in both
// the TypeScript and the C++ layer. evaluatePerplexity is checked against llama.cpp's own
// llama-perplexity tool on the trained model; quantizeModel against llama.cpp's loader.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, LoomError, type Model } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { loadBrownCorpus } from '../../lib/train/corpus.js';
import { evaluatePerplexity, quantizeModel, trainModel, type TrainProgress } from '../../lib/train/train.js';
import { fixturePath } from '../helpers/fixtures.js';
import { llamaPerplexity } from '../helpers/reference.js';

const CTX = 256;
let dir: string;
let tinyF32: string;
let trainText: string;
let heldOutText: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loom-train-test-'));
  tinyF32 = await fixturePath('tiny-f32');
  const corpus = loadBrownCorpus();
  trainText = corpus.train.slice(0, 8).join('\n\n');
  heldOutText = corpus.heldOut[0]!;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fresh = () => loadModel(tinyF32, { useMmap: false });

/** Training tokens: the first `chunks` context-sized chunks (+1 target) of the training text. */
function trainTokens(model: Model, chunks: number): Int32Array {
  const all = model.tokenize(trainText);
  expect(all.length).toBeGreaterThan(chunks * CTX + 1);
  return all.slice(0, chunks * CTX + 1);
}

async function heldOutNll(model: Model): Promise<number> {
  const ctx = await model.createContext({ contextSize: CTX, batchSize: CTX });
  try {
    return (await evaluatePerplexity(ctx, model.tokenize(heldOutText), { maxChunks: 2 })).meanNll;
  } finally {
    ctx.dispose();
  }
}

const BASE = { learningRate: 3e-3, minLearningRate: 3e-4, warmupSteps: 3, weightDecay: 0, seed: 7, threads: 2 };

describe('training the tiny model', () => {
  let model: Model;
  const events: TrainProgress[] = [];
  let before: number;
  let after: number;
  let summary: Awaited<ReturnType<typeof trainModel>>;

  beforeAll(async () => {
    model = await fresh();
    before = await heldOutNll(model);
    summary = await trainModel(model, { ...BASE, tokens: trainTokens(model, 12), epochs: 2, validationSplit: 0.25, onProgress: (p) => events.push(p) });
    after = await heldOutNll(model);
  });
  afterAll(() => model.dispose());

  test('held-out loss on the same chunks falls', () => {
    expect(after).toBeLessThan(before - 0.3);
    // Random weights predict near-uniformly: the initial loss is about ln(vocabulary size).
    expect(before).toBeCloseTo(Math.log(model.vocabSize), 0);
  });

  test('summary counts chunks and steps as documented', () => {
    // 12 chunks, floor(12 · 0.25) = 3 held out for validation, 9 trained per epoch.
    expect(summary).toMatchObject({ trainChunks: 9, validationChunks: 3, steps: 18, epochs: 2 });
    expect(summary.valLoss).not.toBeNull();
    expect(summary.trainLoss).toBeGreaterThan(0);
    expect(summary.tokensPerSecond).toBeGreaterThan(0);
    // llama_opt_init marks every weight but token_embd: 2 layers × 9 (attn_k/attn_v included, though
    // they get no gradient) + output_norm + output.
    expect(summary.trainableTensors).toBe(2 * 9 + 2);
  });

  test('progress: one event per step and per validation chunk, the epoch mean falls', () => {
    const train = events.filter((e) => e.phase === 'train');
    const evals = events.filter((e) => e.phase === 'eval');
    expect(train.map((e) => e.step)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(evals).toHaveLength(6);
    expect(evals.map((e) => e.batch)).toEqual([1, 2, 3, 1, 2, 3]);
    const lastEval = evals.filter((e) => e.epoch === 1).at(-1)!;
    expect(lastEval.loss).toBeCloseTo(summary.valLoss!, 10);
    expect(evals[2]!.loss).toBeGreaterThan(lastEval.loss);
    const epochMean = (epoch: number) => train.filter((e) => e.epoch === epoch).at(-1)!.lossMean;
    expect(epochMean(1)).toBeLessThan(epochMean(0));
  });

  test('learning rate follows linear warmup then cosine decay', () => {
    const { learningRate: lr, minLearningRate: min, warmupSteps: w } = BASE;
    const total = 18;
    for (const e of events.filter((x) => x.phase === 'train')) {
      const s = e.step; // 1-based step number
      const expected = s <= w ? (lr * s) / w : min + 0.5 * (lr - min) * (1 + Math.cos((Math.PI * (s - 1 - w)) / (total - w)));
      expect(e.learningRate).toBeCloseTo(expected, 7);
    }
  });

  test('evaluatePerplexity matches llama-perplexity on the trained model', async () => {
    const path = join(dir, 'trained.gguf');
    model.handle.save(path);
    const textPath = join(dir, 'held-out.txt');
    writeFileSync(textPath, heldOutText);
    const ref = llamaPerplexity(path, textPath, ['-c', String(CTX), '-b', String(CTX), '-t', '2', '--chunks', '4']);
    const ctx = await model.createContext({ contextSize: CTX, batchSize: CTX, threads: 2 });
    try {
      const ours = await evaluatePerplexity(ctx, model.tokenize(heldOutText), { maxChunks: 4 });
      expect(ours.chunks).toBe(4);
      expect(ours.tokens).toBe(4 * (CTX - CTX / 2 - 1));
      expect(Math.abs(ours.perplexity / Number(ref.ppl) - 1)).toBeLessThan(1e-3);
    } finally {
      ctx.dispose();
    }
  });
});

test('same seed, same data: identical losses; another seed visits chunks in another order', async () => {
  const run = async (seed: number) => {
    const m = await fresh();
    const losses: number[] = [];
    try {
      await trainModel(m, { ...BASE, seed, tokens: trainTokens(m, 6), validationSplit: 0, onProgress: (p) => losses.push(p.loss) });
    } finally {
      m.dispose();
    }
    return losses;
  };
  const a = await run(1);
  expect(await run(1)).toEqual(a);
  expect(await run(2)).not.toEqual(a);
});

test('abort stops between steps with ABORTED and frees the model for another run', async () => {
  const model = await fresh();
  try {
    const controller = new AbortController();
    let steps = 0;
    const run = trainModel(model, {
      ...BASE, tokens: trainTokens(model, 6), epochs: 1000, validationSplit: 0, signal: controller.signal,
      onProgress: () => { if (++steps === 2) controller.abort(new Error('enough')); },
    });
    await expect(run).rejects.toMatchObject({ name: 'LoomError', code: 'ABORTED' });
    expect(steps).toBeLessThan(20);
    await expect(trainModel(model, { ...BASE, tokens: trainTokens(model, 1), validationSplit: 0 })).resolves.toMatchObject({ steps: 1 });
    await expect(trainModel(model, { ...BASE, tokens: trainTokens(model, 1), signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  } finally {
    model.dispose();
  }
});

test('a second concurrent training of one model is BUSY', async () => {
  const model = await fresh();
  try {
    const first = trainModel(model, { ...BASE, tokens: trainTokens(model, 2), validationSplit: 0 });
    await expect(trainModel(model, { ...BASE, tokens: trainTokens(model, 2) })).rejects.toMatchObject({ code: 'BUSY' });
    await first;
  } finally {
    model.dispose();
  }
});

test('memory-mapped and non-f32 models are refused with TRAIN_FAILED', async () => {
  const mapped = await loadModel(tinyF32);
  const f16 = await loadModel(await fixturePath('tiny-f16'), { useMmap: false });
  try {
    await expect(trainModel(mapped, { tokens: trainTokens(mapped, 1) })).rejects.toMatchObject({ code: 'TRAIN_FAILED', message: expect.stringMatching(/useMmap: false/) });
    await expect(trainModel(f16, { tokens: trainTokens(f16, 1) })).rejects.toMatchObject({ code: 'TRAIN_FAILED', message: expect.stringMatching(/all-f32 model; this one is MOSTLY_F16|all-f32 model; this one is .*F16/) });
  } finally {
    mapped.dispose();
    f16.dispose();
  }
});

describe('argument validation', () => {
  let model: Model;
  let tokens: Int32Array;
  beforeAll(async () => {
    model = await fresh();
    tokens = trainTokens(model, 2);
  });
  afterAll(() => model.dispose());

  test.each([
    ['tokens', { tokens: 'abc' }, TypeError],
    ['tokens\\[3\\]', { tokens: [1, 2, 3, 100000] }, RangeError],
    ['tokens', { tokens: new Int32Array(CTX) }, RangeError],
    ['contextSize', { contextSize: 300 }, RangeError],
    ['contextSize', { contextSize: 128 }, RangeError],
    ['epochs', { epochs: 0 }, RangeError],
    ['epochs', { epochs: 1.5 }, RangeError],
    ['learningRate', { learningRate: 0 }, RangeError],
    ['learningRate', { learningRate: '1e-3' }, TypeError],
    ['minLearningRate', { learningRate: 1e-3, minLearningRate: 2e-3 }, RangeError],
    ['warmupSteps', { warmupSteps: -1 }, RangeError],
    ['weightDecay', { weightDecay: 2 }, RangeError],
    ['validationSplit', { validationSplit: 1 }, RangeError],
    ['seed', { seed: -1 }, RangeError],
    ['threads', { threads: 0 }, RangeError],
    ['onProgress', { onProgress: 'log' }, TypeError],
    ['signal', { signal: {} }, TypeError],
  ])('trainModel rejects bad %s', async (name, bad, ErrorType) => {
    const run = trainModel(model, { tokens, ...(bad as object) } as Parameters<typeof trainModel>[1]);
    await expect(run).rejects.toThrow(ErrorType);
    await expect(run).rejects.toThrow(new RegExp(`^${name} must be`));
  });

  test('trainModel rejects a target that is not a Model or Context', async () => {
    await expect(trainModel({} as Model, { tokens })).rejects.toThrow(/^target must be a Model or a Context/);
  });

  test('the native train checks every argument itself', () => {
    const train = native().train!;
    const good = { tokens, contextSize: CTX, epochs: 1, learningRate: 1e-3, minLearningRate: 0, warmupSteps: 0, weightDecay: 0, validationSplit: 0, seed: 0 };
    const cases: Array<[string, Record<string, unknown>, ErrorConstructor]> = [
      ['tokens', { tokens: [1, 2] }, TypeError],
      ['tokens\\[0\\]', { tokens: new Int32Array([-1, 2]) }, RangeError],
      ['tokens', { tokens: new Int32Array(CTX) }, RangeError],
      ['contextSize', { contextSize: 300 }, RangeError],
      ['epochs', { epochs: undefined }, TypeError],
      ['learningRate', { learningRate: 2 }, RangeError],
      ['minLearningRate', { minLearningRate: 1 }, RangeError],
      ['warmupSteps', { warmupSteps: 0.5 }, RangeError],
      ['weightDecay', { weightDecay: -0.1 }, RangeError],
      ['validationSplit', { validationSplit: 1 }, RangeError],
      ['seed', { seed: 2 ** 60 }, RangeError],
      ['threads', { threads: 0 }, RangeError],
      ['onProgress', { onProgress: 3 }, TypeError],
    ];
    // Errors thrown by the addon come from Node's own realm, not jest's: compare constructor names.
    const thrown = (fn: () => unknown): Error => {
      try { fn(); } catch (err) { return err as Error; }
      throw new Error('did not throw');
    };
    for (const [name, bad, ErrorType] of cases) {
      const err = thrown(() => train(model.handle, { ...good, ...bad } as never));
      expect(err.constructor.name).toBe(ErrorType.name);
      expect(err.message).toMatch(new RegExp(`^${name} must be`));
    }
    expect(thrown(() => train({} as never, good)).message).toMatch(/^model must be a NativeModel/);
    expect(thrown(() => train(model.handle, 5 as never)).message).toMatch(/^options must be an object/);
  });
});

describe('quantizeModel', () => {
  test('f32 → f16 keeps the logits and writes the metadata overrides', async () => {
    const out = join(dir, 'tiny-f16.gguf');
    await quantizeModel(tinyF32, out, 'f16', { 'general.name': 'converted tiny', 'general.license': 'MIT' });
    // f16 halves every 2-D weight; the f32 norms are a rounding error of the file size.
    expect(statSync(out).size / statSync(tinyF32).size).toBeGreaterThan(0.49);
    expect(statSync(out).size / statSync(tinyF32).size).toBeLessThan(0.53);
    const [a, b] = await Promise.all([loadModel(tinyF32), loadModel(out)]);
    try {
      expect(b.info.fileType).toMatch(/F16/);
      expect(b.metadata['general.name']).toBe('converted tiny');
      expect(b.metadata['general.license']).toBe('MIT');
      const prompt = a.tokenize('the people of the world');
      const logits = await Promise.all([a, b].map(async (m) => {
        const ctx = await m.createContext({ contextSize: CTX });
        try { return Float32Array.from(await ctx.evaluate(prompt)); } finally { ctx.dispose(); }
      }));
      // Weights rounded to 11 significant bits move logits of ~0.1 magnitude by far less than 1e-2.
      let maxDiff = 0;
      for (let i = 0; i < logits[0]!.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[0]![i]! - logits[1]![i]!));
      expect(maxDiff).toBeLessThan(1e-2);
      expect(maxDiff).toBeGreaterThan(0);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('rejects bad arguments and missing files', async () => {
    await expect(quantizeModel(tinyF32, join(dir, 'x.gguf'), 'f12' as never)).rejects.toThrow(RangeError);
    await expect(quantizeModel('', join(dir, 'x.gguf'), 'f16')).rejects.toThrow(/^src must be/);
    await expect(quantizeModel(tinyF32, join(dir, 'x.gguf'), 'f16', { 'general.name': 'x'.repeat(200) })).rejects.toThrow(RangeError);
    await expect(quantizeModel(join(dir, 'missing.gguf'), join(dir, 'x.gguf'), 'f16')).rejects.toBeInstanceOf(LoomError);
  });
});
