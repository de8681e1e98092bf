// perplexity() against llama.cpp's own llama-perplexity on the same model and text file (its
// `Final estimate: PPL = X +/- Y` line, compared to the 4 and 5 decimals it prints), and
// scoreContinuation() against a log-softmax computed here from a plain Context.decode.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type Model } from '../../lib/model.js';
import { perplexity, type PerplexityProgress } from '../../lib/metrics/perplexity.js';
import { scoreContinuation, scoreContinuations } from '../../lib/metrics/score.js';
import { brownCorpusDirectory, brownTaggedToText } from '../../lib/train/corpus.js';
import { fixturePath } from '../helpers/fixtures.js';
import { llamaPerplexity as runLlamaPerplexity } from '../helpers/reference.js';

let dir: string;
let tiny: Model;
let spm: Model;
let tinyPath: string;
let spmPath: string;
/** A few Brown corpus documents as running text (no trailing newline: the tool strips one). */
let text: string;

function brownText(chars: number): string {
  const root = brownCorpusDirectory();
  const parts = ['ca01', 'cb02', 'cf03', 'cn04'].map((f) => brownTaggedToText(readFileSync(join(root, f), 'utf8')));
  return parts.join('\n\n').slice(0, chars).trimEnd();
}

function llamaPerplexity(model: string, file: string, ctx: number, batch: number): { ppl: string; stderr: string } {
  return runLlamaPerplexity(model, file, ['-c', String(ctx), '-b', String(batch), '-t', '2']);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loom-ppl-'));
  tinyPath = await fixturePath('tiny-f32');
  spmPath = await fixturePath('spm32k-f16');
  tiny = await loadModel(tinyPath);
  spm = await loadModel(spmPath);
  text = brownText(3000);
});

afterAll(() => {
  tiny?.dispose();
  spm?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('perplexity equals llama-perplexity', () => {
  // The 32k-vocabulary cases score a shorter text: jest's Math.exp is slow over 32 000 logits a row.
  const cases: [string, () => Model, () => string, number, number][] = [
    ['tiny-f32, one chunk per batch', () => tiny, () => tinyPath, 64, 64],
    ['tiny-f32, batch > ctx (4 chunks in parallel sequences)', () => tiny, () => tinyPath, 64, 256],
    ['tiny-f32, batch < ctx (4 decodes per chunk)', () => tiny, () => tinyPath, 64, 16],
    ['tiny-f32, odd contextSize, batch clamped to 3 × ctx', () => tiny, () => tinyPath, 65, 200],
    ['spm32k-f16, batch > ctx (3 chunks in parallel sequences)', () => spm, () => spmPath, 64, 192],
    ['spm32k-f16, batch < ctx (odd split: 48 + 48 + 32)', () => spm, () => spmPath, 128, 48],
  ];
  test.each(cases)('%s', async (_name, model, path, c, b) => {
    const input = model() === spm ? text.slice(0, 1600) : text;
    const file = join(dir, 'text.txt');
    writeFileSync(file, input);
    const ref = llamaPerplexity(path(), file, c, b);
    const res = await perplexity(model(), input, { contextSize: c, batchSize: b, threads: 2 });
    expect(res.ppl.toFixed(4)).toBe(ref.ppl);
    expect(res.pplStderr.toFixed(5)).toBe(ref.stderr);
    const tokens = model().tokenize(input).length;
    expect(res.tokens).toBe(tokens);
    expect(res.chunks).toBe(Math.floor(tokens / c));
    expect(res.nll.length).toBe(res.chunks * (c - Math.floor(c / 2) - 1));
    expect(res.sequences).toBe(Math.max(1, Math.floor(b / c)));
    expect(res.batchSize).toBe(Math.min(b, res.sequences * c));
    expect(res.contextSize).toBe(c);
  });
});

describe('perplexity behaviour', () => {
  test('progress events count chunks up to the total, with a shrinking ETA', async () => {
    const events: PerplexityProgress[] = [];
    const res = await perplexity(tiny, text, { contextSize: 64, batchSize: 128, onProgress: (p) => events.push(p) });
    expect(events.length).toBe(Math.ceil(res.chunks / 2));
    expect(events.map((e) => e.chunksDone)).toEqual(events.map((_, i) => Math.min(res.chunks, 2 * (i + 1))));
    expect(events.every((e) => e.chunks === res.chunks)).toBe(true);
    expect(events.at(-1)!.etaSeconds).toBe(0);
    expect(events.at(-1)!.ppl).toBeCloseTo(res.ppl, 9);
  });

  test('too short a text is a RangeError naming the 2 × contextSize requirement', async () => {
    const short = text.slice(0, 200);
    const n = tiny.tokenize(short).length;
    await expect(perplexity(tiny, short, { contextSize: 128 })).rejects.toThrow(RangeError);
    await expect(perplexity(tiny, short, { contextSize: 128 })).rejects.toThrow(`at least 2 × contextSize = 256 tokens of text (as llama-perplexity does); the text tokenises to only ${n}`);
  });

  test('an abort signal stops the run with ABORTED, and the context stays usable', async () => {
    const ctx = await tiny.createContext({ contextSize: 64, batchSize: 64 });
    try {
      const ac = new AbortController();
      let calls = 0;
      const run = perplexity(ctx, text, { contextSize: 64, onProgress: () => { if (++calls === 2) ac.abort(); }, signal: ac.signal });
      await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
      expect(calls).toBe(2);
      const again = await perplexity(ctx, text, { contextSize: 64 });
      expect(Number.isFinite(again.ppl)).toBe(true);
      const pre = new AbortController();
      pre.abort();
      await expect(perplexity(ctx, text, { signal: pre.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    } finally {
      ctx.dispose();
    }
  });

  test('arguments are validated', async () => {
    await expect(perplexity(tiny, text, { contextSize: 2 })).rejects.toThrow('contextSize must be an integer in [3, 16777216]; received 2');
    await expect(perplexity(tiny, 42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(perplexity({} as Model, text)).rejects.toThrow('target must be a Model or a Context');
    const ctx = await tiny.createContext({ contextSize: 64, batchSize: 64 });
    try {
      await expect(perplexity(ctx, text, { contextSize: 64, batchSize: 128 })).rejects.toThrow('needs a context with sequences >= 2');
    } finally {
      ctx.dispose();
    }
  });
});

describe('scoreContinuation', () => {
  test('log-probs equal a log-softmax over the logits of one plain decode', async () => {
    const prompt = 'The jury said it did find that the';
    const continuation = ' city executive committee';
    const res = await scoreContinuation(spm, prompt, continuation);
    const all = spm.tokenize(prompt + continuation);
    const promptIds = spm.tokenize(prompt);
    expect(Array.from(all.subarray(0, promptIds.length))).toEqual(Array.from(promptIds));
    expect(Array.from(res.tokens)).toEqual(Array.from(all.subarray(promptIds.length)));
    const ctx = await spm.createContext({ contextSize: 64 });
    try {
      await ctx.decode({ tokens: all, logits: 'all' });
      let sum = 0;
      res.tokens.forEach((t, i) => {
        const row = ctx.logits(promptIds.length - 1 + i);
        let max = -Infinity;
        for (const v of row) max = Math.max(max, v);
        let z = 0;
        for (const v of row) z += Math.exp(v - max);
        const expected = row[t]! - max - Math.log(z);
        expect(res.logprobs[i]).toBeCloseTo(expected, 4);
        sum += expected;
      });
      expect(res.sum).toBeCloseTo(sum, 3);
    } finally {
      ctx.dispose();
    }
  });

  test('several candidates share the prompt and score as each would alone; token ids and an empty continuation', async () => {
    const prompt = 'It was a long day in the';
    const candidates = [' city', ' old house by the river', ' city hall', ''];
    const many = await scoreContinuations(spm, prompt, candidates);
    for (const [i, c] of candidates.entries()) {
      const alone = await scoreContinuation(spm, prompt, c);
      expect(Array.from(many[i]!.tokens)).toEqual(Array.from(alone.tokens));
      expect(Array.from(many[i]!.logprobs).map((x) => x.toFixed(4))).toEqual(Array.from(alone.logprobs).map((x) => x.toFixed(4)));
      expect(many[i]!.promptTokens).toBe(spm.tokenize(prompt).length);
    }
    expect(many[3]!.tokens.length).toBe(0);
    expect(many[3]!.sum).toBe(0);
    // Token ids are taken as they are: the same split gives the same scores.
    const ids = spm.tokenize(prompt);
    const byIds = await scoreContinuation(spm, ids, many[1]!.tokens);
    expect(byIds.sum).toBeCloseTo(many[1]!.sum, 4);
  });

  test('a continuation that merges with the prompt end takes over the merged token', async () => {
    // "hel" + "lo": the joint text tokenises differently at the boundary than the prompt alone.
    const prompt = 'She said hel';
    const res = await scoreContinuation(spm, prompt, 'lo there');
    const all = spm.tokenize('She said hello there');
    const p = spm.tokenize(prompt);
    let common = 0;
    while (common < p.length && p[common] === all[common]) common++;
    expect(common).toBeLessThan(p.length);
    expect(Array.from(res.tokens)).toEqual(Array.from(all.subarray(common)));
    expect(res.promptTokens).toBe(common);
  });

  test('context overflow and argument errors', async () => {
    const ctx = await spm.createContext({ contextSize: 16 });
    try {
      await expect(scoreContinuation(ctx, 'a b c', ' x'.repeat(ctx.contextSize))).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW' });
    } finally {
      ctx.dispose();
    }
    await expect(scoreContinuation(spm, [], [5])).rejects.toThrow('prompt must be a prompt of at least one token');
    await expect(scoreContinuation(spm, 'a', 5 as unknown as string)).rejects.toThrow('continuation must be a string or token ids');
    await expect(scoreContinuations(spm, 'a', 'b' as unknown as string[])).rejects.toThrow('continuations must be an array');
  });
});
