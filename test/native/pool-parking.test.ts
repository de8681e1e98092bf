// An idle context's ggml CPU workers park instead of spin-polling for the next graph: after a
// generation, or shortly after a run of bare decodes, they burn next to no CPU while the context
// waits; and a decode after parking wakes the pool and computes the same logits as before.
//
// The measure is the CPU time of the pool's worker threads, which the addon names loom-ggml, read
// from /proc (Linux); elsewhere the whole process's (process.cpuUsage()). A worker left spinning
// costs ~150–400 ms of CPU in a 400 ms window (ggml polls up to ~0.3 s, its `pause` loop's length
// depends on the CPU); parked, next to nothing. The bound sits well between the two. (The whole
// process's CPU also counts V8's garbage collector and compiler threads, which under the full
// suite's load once took 87 ms of a window.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

const PROC_TASKS = '/proc/self/task';
const perThread = existsSync(PROC_TASKS);

/** CPU milliseconds used so far by each of this process's threads named `name` (Linux). */
function threadCpuMs(name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(PROC_TASKS)) {
    try {
      if (readFileSync(`${PROC_TASKS}/${tid}/comm`, 'utf8').trim() !== name) continue;
      const sched = `${PROC_TASKS}/${tid}/schedstat`;
      if (existsSync(sched)) {
        out.set(tid, Number(readFileSync(sched, 'utf8').split(' ')[0]) / 1e6);
      } else {
        // utime + stime, fields 14 and 15 after the command name, in clock ticks (100 per second).
        const f = readFileSync(`${PROC_TASKS}/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        out.set(tid, (Number(f[11]) + Number(f[12])) * 10);
      }
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * CPU milliseconds the ggml workers spend while the test waits `ms` doing nothing (the whole
 * process's where threads cannot be told apart).
 */
async function idleCpuMs(ms: number): Promise<number> {
  if (!perThread) {
    const before = process.cpuUsage();
    await sleep(ms);
    const d = process.cpuUsage(before);
    return (d.user + d.system) / 1000;
  }
  const before = threadCpuMs('loom-ggml');
  // Without workers to watch the measure would be vacuous.
  expect(before.size).toBeGreaterThan(0);
  await sleep(ms);
  let total = 0;
  for (const [tid, now] of threadCpuMs('loom-ggml')) total += now - (before.get(tid) ?? 0);
  return total;
}

const ctxOf = (o: { threads?: number; inlineDecodeMs?: number } = {}): Promise<Context> =>
  model.createContext({ contextSize: 256, threads: o.threads ?? 2, ...(o.inlineDecodeMs !== undefined ? { inlineDecodeMs: o.inlineDecodeMs } : {}) });

/** Decodes PROMPT as a fresh sequence; a copy of its last row of logits. */
async function promptLogits(ctx: Context): Promise<Float32Array> {
  ctx.clear();
  await ctx.decode({ tokens: PROMPT });
  return ctx.logits(-1).slice();
}

(perThread ? test : test.skip)('the addon names its threads: ggml workers loom-ggml, decode threads loom-decode', async () => {
  const ctx = await model.createContext({ contextSize: 64, threads: 3 });
  try {
    await ctx.decode({ tokens: PROMPT });
    // Three threads: the decode thread is the pool's thread 0, plus two workers.
    expect(threadCpuMs('loom-ggml').size).toBeGreaterThanOrEqual(2);
    expect(threadCpuMs('loom-decode').size).toBeGreaterThanOrEqual(1);
  } finally {
    ctx.dispose();
  }
});

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
