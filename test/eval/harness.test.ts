// The evaluation loop on a real (random-weight) model: its outputs must be what generate() gives
// for the same configuration, and every score must equal the metric recomputed here from those
// outputs; the reference perplexity must equal a log-softmax over one plain decode per reference.
import { loadModel, type Model } from '../../lib/model.js';
import type { Context } from '../../lib/context.js';
import { generate } from '../../lib/generate.js';
import { evaluate, type EvalProgress } from '../../lib/eval/harness.js';
import { parseStrategy } from '../../lib/eval/strategy.js';
import { EVAL_TABLE_COLUMNS, evalReportToJson, formatEvalTable } from '../../lib/eval/table.js';
import { corpusBleu } from '../../lib/metrics/bleu.js';
import { corpusChrf } from '../../lib/metrics/chrf.js';
import { rougeScores } from '../../lib/metrics/rouge.js';
import { fixturePath } from '../helpers/fixtures.js';

const DATASET = [
  { prompt: 'The city of', references: [' the old town was here', ' a small town'] },
  { prompt: 'She said that the', references: [' house was new'] },
  { prompt: 'In the morning we', references: [' walked to the river'] },
];
const MAX_NEW = 6;
let model: Model;

beforeAll(async () => {
  model = await loadModel(await fixturePath('tiny-f32'));
});
afterAll(() => model?.dispose());

async function directLogprob(ctx: Context, prompt: string, reference: string): Promise<{ sum: number; n: number }> {
  const all = model.tokenize(prompt + reference);
  const p = model.tokenize(prompt);
  expect(Array.from(all.subarray(0, p.length))).toEqual(Array.from(p));
  ctx.clear();
  await ctx.decode({ tokens: all, logits: 'all' });
  let sum = 0;
  for (let i = p.length; i < all.length; i++) {
    const row = ctx.logits(i - 1);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    sum += row[all[i]!]! - max - Math.log(z);
  }
  ctx.clear();
  return { sum, n: all.length - p.length };
}

test('greedy, beam:2 and top-p:0.9 scored by the real metrics, with reference perplexity', async () => {
  const events: EvalProgress[] = [];
  const report = await evaluate({
    model, dataset: DATASET, strategies: ['greedy', 'beam:2', 'top-p:0.9'], maxNewTokens: MAX_NEW, seed: 11,
    context: { contextSize: 128, threads: 2 }, onProgress: (e) => events.push(e),
  });
  expect(report.items).toBe(3);
  expect(report.strategies.map((s) => s.label)).toEqual(['greedy', 'beam:2', 'top-p:0.9']);
  expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  expect(events.every((e) => e.total === 12)).toBe(true);
  expect(events.map((e) => e.stage)).toEqual([...Array(3).fill('greedy'), ...Array(3).fill('beam:2'), ...Array(3).fill('top-p:0.9'), ...Array(3).fill('reference perplexity')]);

  const ctx = await model.createContext({ contextSize: 128, threads: 2, sequences: 2 });
  try {
    const refs = [DATASET.map((d) => d.references[0]!), DATASET.map((d) => d.references.at(-1)!)];
    for (const s of report.strategies) {
      const expected = [];
      for (const d of DATASET) expected.push(await generate(ctx, d.prompt, { ...parseStrategy(s.label, 11).config, maxNewTokens: MAX_NEW }));
      expect(s.outputs).toEqual(expected.map((g) => g.text));
      expect(s.lengths).toEqual(expected.map((g) => g.tokens.length));
      expect(s.meanLength).toBeCloseTo(expected.reduce((a, g) => a + g.tokens.length, 0) / 3, 12);
      expect(s.bleu).toBe(corpusBleu(s.outputs, refs).score);
      expect(s.chrf).toBe(corpusChrf(s.outputs, refs).score);
      const rouge = s.outputs.map((o, i) => rougeScores(DATASET[i]!.references, o));
      expect(s.rouge1).toBeCloseTo((100 * rouge.reduce((a, r) => a + r.rouge1.fmeasure, 0)) / 3, 12);
      expect(s.rouge2).toBeCloseTo((100 * rouge.reduce((a, r) => a + r.rouge2.fmeasure, 0)) / 3, 12);
      expect(s.rougeL).toBeCloseTo((100 * rouge.reduce((a, r) => a + r.rougeL.fmeasure, 0)) / 3, 12);
      expect(s.tokensPerSecond).toBeGreaterThan(0);
    }
    // Greedy and beam outputs are scored separately: each BLEU is the corpus BLEU of its own outputs.
    const [greedy, beam] = report.strategies;
    expect(greedy!.bleuDetail.sysLen).toBe(corpusBleu(greedy!.outputs, refs).sysLen);
    expect(beam!.bleuDetail.sysLen).toBe(corpusBleu(beam!.outputs, refs).sysLen);

    let sum = 0;
    let n = 0;
    for (const d of DATASET) {
      for (const r of d.references) {
        const x = await directLogprob(ctx, d.prompt, r);
        sum += x.sum;
        n += x.n;
      }
    }
    expect(report.referencePerplexity!.tokens).toBe(n);
    expect(report.referencePerplexity!.ppl).toBeCloseTo(Math.exp(-sum / n), 3);
  } finally {
    ctx.dispose();
  }

  const table = formatEvalTable(report);
  const lines = table.split('\n');
  expect(lines[0]!.split(/\s{2,}/)).toEqual([...EVAL_TABLE_COLUMNS]);
  for (const [i, s] of report.strategies.entries()) {
    const cells = lines[2 + i]!.split(/\s+/);
    expect(cells).toEqual([s.label, s.bleu.toFixed(2), s.chrf.toFixed(2), s.rouge1.toFixed(2), s.rouge2.toFixed(2), s.rougeL.toFixed(2), s.meanLength.toFixed(1), s.tokensPerSecond.toFixed(1)]);
  }
  expect(table).toContain(`reference perplexity given the prompts: ${report.referencePerplexity!.ppl.toFixed(4)}`);
  const json = JSON.parse(JSON.stringify(evalReportToJson(report))) as { strategies: { label: string; outputs: string[] }[] };
  expect(json.strategies.map((s) => s.label)).toEqual(['greedy', 'beam:2', 'top-p:0.9']);
  expect(json.strategies[0]!.outputs).toEqual(report.strategies[0]!.outputs);
});

test('abort, and argument errors', async () => {
  const ac = new AbortController();
  await expect(evaluate({
    model, dataset: DATASET, strategies: ['greedy'], maxNewTokens: 2, context: { contextSize: 64 },
    onProgress: () => ac.abort(), signal: ac.signal,
  })).rejects.toMatchObject({ code: 'ABORTED' });
  await expect(evaluate({ model, dataset: [], strategies: ['greedy'] })).rejects.toThrow('dataset must be a non-empty array');
  await expect(evaluate({ model, dataset: DATASET, strategies: [] })).rejects.toThrow('strategies must be a non-empty array');
  await expect(evaluate({ model, dataset: DATASET, strategies: ['beam:x'] })).rejects.toThrow('strategy "beam:x"');
  await expect(evaluate({ model, dataset: [{ prompt: 'a', references: [] }], strategies: ['greedy'] })).rejects.toThrow('dataset[0].references must be a non-empty array of strings');
  await expect(evaluate({ model: {} as Model, dataset: DATASET, strategies: ['greedy'] })).rejects.toThrow('model must be a Model or a Context');
});
