// A token's logits must not depend on which other sequences share its decode: beam search and
// parallel sampling advance 2-4 sequences per llama_decode, and their scores are compared with
// greedy's. Where weights sit in ggml's AMX buffer, every kernel sums each 32-wide block in
// integers and scales the sums in the same order, so a batched row equals the row decoded alone
// bit for bit; this is what guards patch 0002's 2-4-row kernels (an off-by-one weight block in
// them shifted logits by up to 5). On other kernels the rows must agree to the reference tolerance.
import { existsSync, readFileSync } from 'node:fs';
import { loadModel, setLogger, systemInfo, type Context, type Model } from '../../lib/index.js';
import { fixturePath } from '../helpers/fixtures.js';
import { maxAbsDiff } from '../helpers/reference.js';

const cpuHasAmx = existsSync('/proc/cpuinfo') && /\bamx_int8\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

/** Loads a model, reporting whether llama.cpp put any weights in the AMX buffer. */
async function loadWatchingAmx(path: string): Promise<{ model: Model; amx: boolean }> {
  const lines: string[] = [];
  setLogger((_level, text) => lines.push(text), 'info');
  try {
    const model = await loadModel(path);
    await new Promise((r) => setTimeout(r, 50)); // log lines arrive through the event loop
    return { model, amx: /AMX model buffer size/.test(lines.join('')) };
  } finally {
    setLogger(null);
  }
}

async function primeSequences(ctx: Context, prompts: number[][]): Promise<void> {
  for (let s = 0; s < prompts.length; s++) {
    const p = prompts[s]!;
    await ctx.decode({ tokens: p, positions: p.map((_, i) => i), seqIds: p.map(() => s), logits: 'last' });
  }
}

describe.each(['wide-q8_0', 'wide-q4_0'] as const)('%s: a row decoded beside others equals the row decoded alone', (name) => {
  let model: Model;
  let amx = false;
  beforeAll(async () => {
    ({ model, amx } = await loadWatchingAmx(await fixturePath(name)));
  });
  afterAll(() => model?.dispose());

  it('uses the AMX buffer wherever the CPU and the build have AMX (so the exact check below is not vacuous there)', () => {
    if (cpuHasAmx && systemInfo().cpuFeatures.amxInt8) expect(amx).toBe(true);
    else expect(amx).toBe(false);
  });

  it.each([2, 3, 4])('%i sequences advanced in one batch, 5 steps', async (n) => {
    const V = model.vocabSize;
    const opts = { contextSize: 128, batchSize: 32, threads: 2, sequences: n };
    const batched = await model.createContext(opts);
    const alone = await model.createContext(opts);
    try {
      const prompts = Array.from({ length: n }, (_, s) => [1, 5 + s, 9 + 2 * s, 3 + s]);
      await primeSequences(batched, prompts);
      await primeSequences(alone, prompts);
      let tokens = prompts.map((_, s) => 7 + 3 * s);
      let worst = 0;
      for (let step = 0, pos = 4; step < 5; step++, pos++) {
        await batched.decode({ tokens, positions: tokens.map(() => pos), seqIds: tokens.map((_, s) => s), logits: 'all' });
        const rows = tokens.map((_, s) => Float32Array.from(batched.logits(s)));
        for (let s = 0; s < n; s++) {
          await alone.decode({ tokens: [tokens[s]!], positions: [pos], seqIds: [s], logits: 'last' });
          const one = alone.logits(0);
          expect(one.length).toBe(V);
          worst = Math.max(worst, maxAbsDiff(rows[s]!, one));
        }
        tokens = tokens.map((t, s) => ((t * 31 + s + step) % (V - 4)) + 3);
      }
      if (amx) expect(worst).toBe(0);
      else expect(worst).toBeLessThanOrEqual(1e-4);
    } finally {
      batched.dispose();
      alone.dispose();
    }
  });
});
