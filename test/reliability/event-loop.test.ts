// Decoding runs on libuv's worker pool, not on the JS thread: while a ~26 M-parameter model
// generates 200 tokens, timers keep firing on time. The goal is a p99 event-loop delay under
// 10 ms; the assertion allows 50 ms because other jobs share these cores.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generate, loadModel, type Model } from '../../lib/index.js';
import { bigModelPath } from './big-model.js';

const P99_BOUND_MS = 50;
const ms = (ns: number) => ns / 1e6;

let model: Model;
beforeAll(async () => { model = await loadModel(bigModelPath()); }, 120_000);
afterAll(() => model?.dispose());

test('the monitor notices a blocked event loop (so the next test can fail)', async () => {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, 20));
  const until = performance.now() + 80;
  while (performance.now() < until) { /* block the JS thread */ }
  await new Promise((r) => setTimeout(r, 20));
  h.disable();
  expect(ms(h.max)).toBeGreaterThan(P99_BOUND_MS);
});

test(`generating 200 tokens keeps the event loop's p99 delay under ${P99_BOUND_MS} ms`, async () => {
  const ctx = await model.createContext({ contextSize: 512, threads: 2 });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const res = await generate(ctx, 'Once upon a time', { maxNewTokens: 200, minNewTokens: 200 });
  h.disable();
  ctx.dispose();
  expect(res.tokens.length).toBe(200);
  console.log(`event loop during 200 tokens (${res.timings.generationTokensPerSecond.toFixed(0)} tok/s): ` +
    `p50 ${ms(h.percentile(50)).toFixed(2)} ms, p99 ${ms(h.percentile(99)).toFixed(2)} ms, max ${ms(h.max).toFixed(2)} ms`);
  expect(ms(h.percentile(99))).toBeLessThan(P99_BOUND_MS);
}, 60_000);
