// AbortSignal stops a model load, a long prompt evaluation and a generation promptly, and the
// objects stay usable afterwards. Uses a ~100 MB f32 model so each phase takes long enough to
// be interrupted (a 512-token decode of it takes about a second on two threads).
import { generate, isLoomError, loadModel, type Context, type Model } from '../../lib/index.js';
import { bigModelPath } from './big-model.js';

/** Generous: the goal is tens of milliseconds, but other jobs share these cores. */
const PROMPT_BOUND_MS = 2000;

let path: string;
let model: Model;
let ctx: Context;
const latencies: Record<string, number> = {};
beforeAll(async () => {
  path = bigModelPath();
  model = await loadModel(path);
  ctx = await model.createContext({ contextSize: 4096, batchSize: 512, threads: 2 });
}, 120_000);
afterAll(() => {
  model?.dispose();
  console.log(`abort latencies (ms): ${JSON.stringify(latencies)}`);
});

const prompt = (n: number) => Array.from({ length: n }, (_, i) => 10 + (i % 600));

async function abortedAfter<T>(run: (signal: AbortSignal) => Promise<T>, trigger: (abort: () => void) => void): Promise<{ error: unknown; latency: number }> {
  const ac = new AbortController();
  let at = 0;
  const p = run(ac.signal);
  trigger(() => { at = performance.now(); ac.abort(new Error('user stop')); });
  try {
    await p;
    return { error: undefined, latency: performance.now() - at };
  } catch (error) {
    return { error, latency: performance.now() - at };
  }
}

test('a signal aborts a model load; a signal aborted beforehand does no work', async () => {
  let calls = 0;
  const { error, latency } = await abortedAfter(
    (signal) => loadModel(path, { useMmap: false, signal, onProgress: () => { calls++; } }),
    (abort) => { const poll = () => (calls > 0 ? abort() : setImmediate(poll)); poll(); },
  );
  latencies.load = latency;
  expect(isLoomError(error, 'ABORTED')).toBe(true);
  expect((error as Error).cause).toEqual(new Error('user stop'));
  expect(latency).toBeLessThan(PROMPT_BOUND_MS);
  const pre = new AbortController();
  pre.abort();
  let progressed = false;
  const err = await loadModel(path, { signal: pre.signal, onProgress: () => { progressed = true; } }).catch((e: unknown) => e);
  expect(isLoomError(err, 'ABORTED')).toBe(true);
  expect(progressed).toBe(false);
  const again = await loadModel(path, { useMmap: false });
  expect(again.vocabSize).toBe(model.vocabSize);
  again.dispose();
});

test('a signal stops a long prompt evaluation inside the running decode; the sequence is left as before', async () => {
  await ctx.evaluate(prompt(8));
  const { error, latency } = await abortedAfter(
    (signal) => ctx.evaluate(prompt(2048), { startPos: 8, signal }),
    (abort) => { setTimeout(abort, 300); },
  );
  latencies.prompt = latency;
  expect(isLoomError(error, 'ABORTED')).toBe(true);
  expect(latency).toBeLessThan(PROMPT_BOUND_MS);
  expect(ctx.sequencePositions(0)).toEqual([0, 7]); // the aborted positions were removed again
  const res = await generate(ctx, 'Once upon a time', { maxNewTokens: 4, minNewTokens: 4 });
  expect(res.tokens.length).toBe(4);
}, 60_000);

test('a signal stops a generation between steps: what was generated so far comes back', async () => {
  let steps = 0;
  let result: Awaited<ReturnType<typeof generate>> | undefined;
  const { error, latency } = await abortedAfter(
    async (signal) => { result = await generate(ctx, 'Once upon a time', { maxNewTokens: 2000, minNewTokens: 2000, signal }, () => { steps++; }); },
    (abort) => { const poll = () => (steps >= 20 ? abort() : setTimeout(poll, 1)); poll(); },
  );
  latencies.generation = latency;
  expect(error).toBeUndefined();
  expect(result!.finishReason).toBe('abort');
  expect(result!.tokens.length).toBeGreaterThanOrEqual(20);
  expect(result!.tokens.length).toBeLessThan(2000);
  expect(latency).toBeLessThan(PROMPT_BOUND_MS);
  expect((await generate(ctx, 'Again', { maxNewTokens: 3, minNewTokens: 3 })).tokens.length).toBe(3);
}, 60_000);

// generate() hands its signal to the prompt's evaluation (Context.evaluate), so an abort during a
// long prompt stops the running decode instead of waiting for the whole prefill (2 048 tokens of
// this model take several seconds). The bound is measured from the abort to the settled promise.
test('a signal stops generate() while it evaluates a long prompt', async () => {
  const own = await model.createContext({ contextSize: 4096, batchSize: 512, threads: 2 });
  try {
    const { error, latency } = await abortedAfter(
      (signal) => generate(own, prompt(2048), { maxNewTokens: 4, signal }),
      (abort) => { setTimeout(abort, 300); },
    );
    latencies.generatePrompt = latency;
    expect(isLoomError(error, 'ABORTED')).toBe(true);
    expect(latency).toBeLessThan(PROMPT_BOUND_MS);
    expect(own.handle.busy).toBe(false);
    expect((await generate(own, 'Again', { maxNewTokens: 2, minNewTokens: 2 })).tokens.length).toBe(2);
  } finally {
    own.dispose();
  }
}, 60_000);
