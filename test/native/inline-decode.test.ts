// Generation steps decoded inline on the JS thread (the `inlineDecodeMs` context option) on the
// embedded model: the same tokens and log-probs as off-thread decodes for every strategy, and the
// event loop, abort signals and dispose() still get their turn during an inline generation.
import { join } from 'node:path';
import { generate, isLoomError, loadModel, type Context, type GenerateOptions, type GenerateResult, type Model } from '../../lib/index.js';
import { repoRoot } from '../helpers/paths.js';

const MODEL = join(repoRoot, 'models', 'llama-loom-brown-4m-f16.gguf');
/** Every step after the two warm-up decodes qualifies for inline decoding. */
const ALWAYS_INLINE = 1000;
const PROMPT = 'Once upon a time';

let model: Model;
beforeAll(async () => { model = await loadModel(MODEL); });
afterAll(() => model?.dispose());

/** A context whose native decode calls are counted: which path each decode really took. */
interface Counted { ctx: Context; sync: () => number; async: () => number }
async function countedContext(inlineDecodeMs: number, o: { contextSize?: number; sequences?: number; threads?: number } = {}): Promise<Counted> {
  const ctx = await model.createContext({ contextSize: o.contextSize ?? 256, sequences: o.sequences ?? 1, threads: o.threads ?? 2, inlineDecodeMs });
  let sync = 0;
  let async = 0;
  // The addon's methods live on the prototype (read-only there); shadow them on this instance.
  const h = ctx.handle;
  const decodeSync = h.decodeSync.bind(h);
  const decode = h.decode.bind(h);
  Object.defineProperty(h, 'decodeSync', { configurable: true, value: (...a: Parameters<typeof decodeSync>) => { sync++; return decodeSync(...a); } });
  Object.defineProperty(h, 'decode', { configurable: true, value: (...a: Parameters<typeof decode>) => { async++; return decode(...a); } });
  return { ctx, sync: () => sync, async: () => async };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const plain = (r: GenerateResult) => r.sequences.map((s) => ({
  tokens: Array.from(s.tokens), logprobs: Array.from(s.logprobs), finishReason: s.finishReason, score: s.score, text: s.text,
}));

describe('inline and off-thread decodes give identical results', () => {
  const cases: Array<[string, GenerateOptions, number]> = [
    ['greedy', { maxNewTokens: 64, minNewTokens: 64 }, 1],
    ['beam search (3 beams)', { maxNewTokens: 64, minNewTokens: 64, numBeams: 3, numReturnSequences: 3, lengthPenalty: 0 }, 3],
    ['seeded sampling', { maxNewTokens: 64, minNewTokens: 64, doSample: true, temperature: 1.2, topK: 0, seed: 1234 }, 1],
    ['seeded sampling of 2 sequences', { maxNewTokens: 64, minNewTokens: 64, doSample: true, topK: 40, topP: 0.9, seed: 99, numReturnSequences: 2 }, 2],
  ];

  it.each(cases)('%s, 64 new tokens', async (_name, options, sequences) => {
    const off = await countedContext(0, { sequences });
    const inl = await countedContext(ALWAYS_INLINE, { sequences });
    try {
      const a = await generate(off.ctx, PROMPT, options);
      const b = await generate(inl.ctx, PROMPT, options);
      // The paths were really taken: no inline decode at 0, inline after warm-up otherwise.
      expect(off.sync()).toBe(0);
      expect(off.async()).toBeGreaterThanOrEqual(64);
      expect(inl.sync()).toBeGreaterThanOrEqual(60);
      expect(a.tokens.length).toBe(64);
      expect(a.sequences).toHaveLength(sequences);
      expect(plain(b)).toEqual(plain(a));
      // A second generation on the same contexts (the scheduler now warm) agrees as well.
      const a2 = await generate(off.ctx, 'The quick brown fox', options);
      const b2 = await generate(inl.ctx, 'The quick brown fox', options);
      expect(plain(b2)).toEqual(plain(a2));
      expect(off.sync()).toBe(0);
    } finally {
      off.ctx.dispose();
      inl.ctx.dispose();
    }
  });

  it('a context with the default inlineDecodeMs agrees with both', async () => {
    const ctx = await model.createContext({ contextSize: 256, threads: 2 });
    const off = await countedContext(0);
    try {
      const opts = { maxNewTokens: 64, minNewTokens: 64 };
      expect(plain(await generate(ctx, PROMPT, opts))).toEqual(plain(await generate(off.ctx, PROMPT, opts)));
    } finally {
      ctx.dispose();
      off.ctx.dispose();
    }
  });
});

describe('an inline generation leaves the event loop its turns', () => {
  it('a 1 ms interval keeps firing throughout', async () => {
    // One thread: with two, ggml's spinning barriers make a single decode take tens of
    // milliseconds whenever another process holds one of this VM's two cores, which says nothing
    // about how often the event loop gets its turn.
    const c = await countedContext(ALWAYS_INLINE, { contextSize: 1024, threads: 1 });
    try {
      let ticks = 0;
      let last = 0;
      let maxGap = 0;
      const interval = setInterval(() => {
        const now = performance.now();
        if (last > 0) maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 1);
      const t0 = performance.now();
      let res: GenerateResult;
      try {
        res = await generate(c.ctx, PROMPT, { maxNewTokens: 1000, minNewTokens: 1000 });
      } finally {
        clearInterval(interval);
      }
      const elapsed = performance.now() - t0;
      console.log(`inline generation of 1000 tokens: ${elapsed.toFixed(0)} ms, ${ticks} interval ticks, largest gap ${maxGap.toFixed(1)} ms`);
      expect(res.tokens.length).toBe(1000);
      expect(c.sync()).toBeGreaterThan(900);
      // Long enough that a generation which never yielded would show one huge gap.
      expect(elapsed).toBeGreaterThan(200);
      expect(ticks).toBeGreaterThan(10);
      // Design bound: one slice (4 ms) plus one decode; generous for a shared 2-core VM.
      expect(maxGap).toBeLessThan(100);
    } finally {
      c.ctx.dispose();
    }
  });

  describe.each([['inline', ALWAYS_INLINE], ['off-thread', 0]] as const)('%s decodes', (_name, inlineDecodeMs) => {
    it('an AbortSignal aborted from a timer stops the generation', async () => {
      const c = await countedContext(inlineDecodeMs, { contextSize: 2048 });
      try {
        const ac = new AbortController();
        let steps = 0;
        // Armed once tokens flow, so the abort lands mid-generation, not during the prompt.
        const run = generate(c.ctx, PROMPT, { maxNewTokens: 2000, minNewTokens: 2000, signal: ac.signal }, () => {
          if (++steps === 5) setTimeout(() => ac.abort(), 20);
        });
        const res = await run;
        expect(res.finishReason).toBe('abort');
        expect(res.tokens.length).toBeGreaterThanOrEqual(5);
        expect(res.tokens.length).toBeLessThan(2000);
        if (inlineDecodeMs > 0) expect(c.sync()).toBeGreaterThan(0);
        else expect(c.sync()).toBe(0);
        // The context stays usable.
        expect((await generate(c.ctx, 'Again', { maxNewTokens: 3, minNewTokens: 3 })).tokens.length).toBe(3);
      } finally {
        c.ctx.dispose();
      }
    });

    it('disposing the context from a timer rejects the generation with DISPOSED', async () => {
      const c = await countedContext(inlineDecodeMs, { contextSize: 2048 });
      let steps = 0;
      const run = generate(c.ctx, PROMPT, { maxNewTokens: 2000, minNewTokens: 2000 }, () => {
        if (++steps === 5) setTimeout(() => c.ctx.dispose(), 20);
      });
      const err = await rejection(run);
      expect(isLoomError(err, 'DISPOSED')).toBe(true);
      expect(steps).toBeGreaterThanOrEqual(5);
      expect(steps).toBeLessThan(2000);
      expect(c.ctx.disposed).toBe(true);
      if (inlineDecodeMs > 0) expect(c.sync()).toBeGreaterThan(0);
      // The model is unharmed.
      expect((await generate(model, 'Again', { maxNewTokens: 3, minNewTokens: 3, context: { contextSize: 64, inlineDecodeMs } })).tokens.length).toBe(3);
    });

    it('disposing the model from a timer rejects the generation with DISPOSED', async () => {
      const own = await loadModel(MODEL);
      const ctx = await own.createContext({ contextSize: 2048, threads: 2, inlineDecodeMs });
      let steps = 0;
      const err = await rejection(generate(ctx, PROMPT, { maxNewTokens: 2000, minNewTokens: 2000 }, () => {
        if (++steps === 5) setTimeout(() => own.dispose(), 20);
      }));
      expect(isLoomError(err, 'DISPOSED')).toBe(true);
      expect(steps).toBeLessThan(2000);
      expect(ctx.disposed).toBe(true);
    });
  });
});

describe('inlineDecodeMs is validated', () => {
  it.each([
    [-1, RangeError],
    [1001, RangeError],
    [Infinity, RangeError],
    [NaN, TypeError],
    ['x', TypeError],
    [null, TypeError],
  ] as const)('%p is refused with a %p naming it', async (value, type) => {
    const err = await rejection(model.createContext({ contextSize: 64, inlineDecodeMs: value as unknown as number }));
    expect((err as Error).name).toBe(type.name);
    expect((err as Error).message).toMatch(/^inlineDecodeMs must be /);
  });

  it('0 and the bounds are accepted', async () => {
    for (const inlineDecodeMs of [0, 0.25, 1000]) {
      const ctx = await model.createContext({ contextSize: 64, inlineDecodeMs });
      ctx.dispose();
    }
  });
});
