// An idle context's ggml CPU workers park instead of spin-polling for the next graph: after a
// generation, or shortly after a run of bare decodes, the process burns next to no CPU while it
// waits; and a decode after parking wakes the pool and computes the same logits as before.
//
// The measure is the process's own CPU time (process.cpuUsage(): every thread, user + system),
// so other load on the machine does not count. A worker left spinning costs ~150–400 ms of CPU in
// a 400 ms window (ggml polls up to ~0.3 s, its `pause` loop's length depends on the CPU); parked,
// the window costs about a millisecond. The bound sits well between the two.
import { join } from 'node:path';
import { generate, loadModel, type Context, type Model } from '../../lib/index.js';
import { repoRoot } from '../helpers/paths.js';

const MODEL = join(repoRoot, 'models', 'llama-loom-brown-4m-f16.gguf');
const IDLE_WINDOW_MS = 400;
const IDLE_CPU_BOUND_MS = 60;

let model: Model;
let PROMPT: Int32Array;
beforeAll(async () => {
  model = await loadModel(MODEL);
  PROMPT = model.tokenize('Once upon a time there was');
});
afterAll(() => model?.dispose());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU milliseconds this process spends (all threads) while it waits `ms` doing nothing. */
async function idleCpuMs(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

const ctxOf = (o: { threads?: number; inlineDecodeMs?: number } = {}): Promise<Context> =>
  model.createContext({ contextSize: 256, threads: o.threads ?? 2, ...(o.inlineDecodeMs !== undefined ? { inlineDecodeMs: o.inlineDecodeMs } : {}) });

/** Decodes PROMPT as a fresh sequence; a copy of its last row of logits. */
async function promptLogits(ctx: Context): Promise<Float32Array> {
  ctx.clear();
  await ctx.decode({ tokens: PROMPT });
  return ctx.logits(-1).slice();
}

test('a fresh context does not spin before its first decode', async () => {
  const ctx = await ctxOf();
  try {
    const cpu = await idleCpuMs(IDLE_WINDOW_MS);
    expect(cpu).toBeLessThan(IDLE_CPU_BOUND_MS);
  } finally {
    ctx.dispose();
  }
});

describe.each([['off-thread', 0], ['inline', 1000]] as const)('%s decodes', (_name, inlineDecodeMs) => {
  test('after a generation the workers park: an idle 400 ms costs little CPU', async () => {
    const ctx = await ctxOf({ inlineDecodeMs });
    try {
      const res = await generate(ctx, PROMPT, { maxNewTokens: 48, minNewTokens: 48 });
      expect(res.tokens.length).toBe(48);
      const cpu = await idleCpuMs(IDLE_WINDOW_MS);
      expect(cpu).toBeLessThan(IDLE_CPU_BOUND_MS);
      // Twice: a second generation wakes the pool and parks it again.
      await generate(ctx, PROMPT, { maxNewTokens: 48, minNewTokens: 48 });
      expect(await idleCpuMs(IDLE_WINDOW_MS)).toBeLessThan(IDLE_CPU_BOUND_MS);
    } finally {
      ctx.dispose();
    }
  });
});

test('after a loop of bare decodes the workers park once decodes stop', async () => {
  const ctx = await ctxOf();
  try {
    for (let i = 0; i < 40; i++) await ctx.decode({ tokens: [PROMPT[i % PROMPT.length]!], positions: [i] });
    await sleep(50); // the idle pause comes 10 ms after the last decode
    const cpu = await idleCpuMs(IDLE_WINDOW_MS);
    expect(cpu).toBeLessThan(IDLE_CPU_BOUND_MS);
  } finally {
    ctx.dispose();
  }
});

test('two contexts used in turn both park', async () => {
  const a = await ctxOf();
  const b = await ctxOf();
  try {
    for (let round = 0; round < 3; round++) {
      await generate(a, PROMPT, { maxNewTokens: 16, minNewTokens: 16 });
      await generate(b, PROMPT, { maxNewTokens: 16, minNewTokens: 16 });
    }
    expect(await idleCpuMs(IDLE_WINDOW_MS)).toBeLessThan(IDLE_CPU_BOUND_MS);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('a decode after parking wakes the pool and gives the same logits as before and as a fresh context', async () => {
  const ctx = await ctxOf();
  const fresh = await ctxOf();
  try {
    const before = await promptLogits(ctx);
    await generate(ctx, PROMPT, { maxNewTokens: 8, minNewTokens: 8 }); // ends by parking the pool
    await sleep(50);
    const after = await promptLogits(ctx); // first decode on the parked pool
    expect(after.length).toBe(model.vocabSize);
    expect(after.every(Number.isFinite)).toBe(true);
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(Array.from(after)).toEqual(Array.from(await promptLogits(fresh)));
    // Generation on the woken pool still matches a context that never parked in between.
    const g1 = await generate(ctx, PROMPT, { maxNewTokens: 16, minNewTokens: 16 });
    await sleep(50);
    const g2 = await generate(ctx, PROMPT, { maxNewTokens: 16, minNewTokens: 16 });
    const g3 = await generate(fresh, PROMPT, { maxNewTokens: 16, minNewTokens: 16 });
    expect(Array.from(g2.tokens)).toEqual(Array.from(g1.tokens));
    expect(Array.from(g2.logprobs)).toEqual(Array.from(g1.logprobs));
    expect(Array.from(g3.tokens)).toEqual(Array.from(g1.tokens));
  } finally {
    ctx.dispose();
    fresh.dispose();
  }
});
