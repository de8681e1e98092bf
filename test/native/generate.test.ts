// Decoding through the real addon: TS greedy equals llama.cpp-side greedy; beams, top-k and
// seeds behave as their definitions require.
import { generate, loadModel, stream, type Model } from '../../lib/index.js';
import { fixturePath, type FixtureName } from '../helpers/fixtures.js';
import { referenceGreedy, referenceLogits } from '../helpers/reference.js';

const PROMPT = 'Once upon a time';
const models = new Map<FixtureName, { model: Model; path: string }>();

async function open(name: FixtureName) {
  let m = models.get(name);
  if (!m) {
    const path = await fixturePath(name);
    m = { model: await loadModel(path), path };
    models.set(name, m);
  }
  return m;
}
afterAll(() => { for (const { model } of models.values()) model.dispose(); });

const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);

describe.each(['tiny-f32', 'spm32k-f16'] as const)('greedy on %s', (name) => {
  it('is token-for-token identical to llama.cpp greedy for 64 tokens', async () => {
    const { model, path } = await open(name);
    const ids = model.tokenize(PROMPT);
    const expected = referenceGreedy(path, ids, 64, 2, 256);
    const res = await generate(model, PROMPT, { maxNewTokens: 64, eosTokenIds: [], minNewTokens: 64, context: { contextSize: 256, threads: 2 } });
    expect(Array.from(res.tokens)).toEqual(expected);
    expect(res.tokens.length).toBe(64);
    expect(res.finishReason).toBe('length');
    expect(res.timings.generationTokensPerSecond).toBeGreaterThan(0);
  });
});

describe('strategies through the addon', () => {
  const base = { maxNewTokens: 24, context: { contextSize: 256, threads: 2 } };

  it('beam search with 1 beam equals greedy; 4 beams score at least greedy', async () => {
    const { model } = await open('tiny-f32');
    const greedy = await generate(model, PROMPT, base);
    const beam1 = await generate(model, PROMPT, { ...base, numBeams: 1 });
    expect(Array.from(beam1.tokens)).toEqual(Array.from(greedy.tokens));
    const beam4 = await generate(model, PROMPT, { ...base, numBeams: 4, earlyStopping: true, lengthPenalty: 0, numReturnSequences: 4 });
    expect(beam4.sequences).toHaveLength(4);
    // No processors run here, so a beam's score with lengthPenalty 0 is the sum of its raw
    // log-probs: the quantity greedy maximises token by token.
    expect(beam4.score!).toBeCloseTo(sum(beam4.logprobs), 3);
    expect(beam4.score!).toBeGreaterThanOrEqual(sum(greedy.logprobs) - 1e-3);
    for (let i = 1; i < 4; i++) expect(beam4.sequences[i]!.score!).toBeLessThanOrEqual(beam4.sequences[i - 1]!.score!);
  });

  it.each(['tiny-f32', 'spm32k-f16'] as const)(
    'every beam\'s log-probs are what llama.cpp gives its tokens decoded alone (%s): forks and frees keep each beam\'s KV cells right',
    async (name) => {
      const { model, path } = await open(name);
      const prompt = model.tokenize(PROMPT);
      const res = await generate(model, prompt, { ...base, maxNewTokens: 20, numBeams: 4, numReturnSequences: 4, earlyStopping: 'never', eosTokenIds: [] });
      expect(res.sequences).toHaveLength(4);
      for (const seq of res.sequences) {
        const ids = [...prompt, ...seq.tokens];
        const rows = referenceLogits(path, ids.slice(0, -1), model.vocabSize, 2, 256);
        for (let j = 0; j < seq.tokens.length; j++) {
          const row = rows[prompt.length - 1 + j]!;
          let max = -Infinity;
          for (const x of row) max = Math.max(max, x);
          let total = 0;
          for (const x of row) total += Math.exp(x - max);
          expect(Math.abs(seq.logprobs[j]! - (row[seq.tokens[j]!]! - max - Math.log(total)))).toBeLessThan(2e-3);
        }
      }
    },
  );

  it('top-k 1 sampling equals greedy; a seed reproduces its text', async () => {
    const { model } = await open('tiny-f32');
    const greedy = await generate(model, PROMPT, base);
    const topk1 = await generate(model, PROMPT, { ...base, doSample: true, topK: 1, seed: 3 });
    expect(Array.from(topk1.tokens)).toEqual(Array.from(greedy.tokens));
    const a = await generate(model, PROMPT, { ...base, doSample: true, temperature: 1.5, topK: 0, seed: 11 });
    const b = await generate(model, PROMPT, { ...base, doSample: true, temperature: 1.5, topK: 0, seed: 11 });
    const c = await generate(model, PROMPT, { ...base, doSample: true, temperature: 1.5, topK: 0, seed: 12 });
    expect(a.text).toBe(b.text);
    expect(Array.from(c.tokens)).not.toEqual(Array.from(a.tokens));
  });

  it('several sampled sequences advance together', async () => {
    const { model } = await open('tiny-f32');
    const res = await generate(model, PROMPT, { ...base, doSample: true, topK: 0, temperature: 2, seed: 5, numReturnSequences: 3 });
    expect(res.sequences).toHaveLength(3);
    const texts = new Set(res.sequences.map((s) => s.text));
    expect(texts.size).toBeGreaterThan(1);
  });

  it('stream() yields the same text as generate()', async () => {
    const { model } = await open('tiny-f32');
    const ctx = await model.createContext({ contextSize: 256, threads: 2 });
    try {
      const full = await generate(ctx, PROMPT, { maxNewTokens: 20 });
      let text = '';
      for await (const piece of stream(ctx, PROMPT, { maxNewTokens: 20 })) text += piece;
      expect(text).toBe(full.text);
    } finally {
      ctx.dispose();
    }
  });

  it('a second concurrent generation on one context is refused with BUSY', async () => {
    const { model } = await open('tiny-f32');
    const ctx = await model.createContext({ contextSize: 256, threads: 2 });
    try {
      const first = generate(ctx, PROMPT, { maxNewTokens: 16 });
      await expect(generate(ctx, PROMPT, { maxNewTokens: 4 })).rejects.toMatchObject({ code: 'BUSY' });
      await first;
    } finally {
      ctx.dispose();
    }
  });
});
