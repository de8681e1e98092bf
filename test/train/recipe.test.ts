// The --quick training recipe end to end: a loadable f16 model of the documented shape, lower
// held-out perplexity after training, and a model card that reports what was measured.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../lib/index.js';
import { runRecipe, type RecipeResult } from '../../lib/train/recipe.js';
import { repoRoot } from '../helpers/paths.js';

let dir: string;
let result: RecipeResult;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loom-recipe-test-'));
  result = await runRecipe({ quick: true, out: join(dir, 'model.gguf'), card: join(dir, 'card.md'), threads: 2, log: (l) => lines.push(l) });
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('writes a loadable f16 llama of the documented shape', async () => {
  expect(result.out).toBe(join(dir, 'model.gguf'));
  const size = statSync(result.out).size;
  expect(result.outBytes).toBe(size);
  // Parameters of a llama with vocabulary V, width d, L layers, feed-forward f, untied output:
  // 2·V·d (embeddings, output) + L·(4·d² + 3·d·f + 2·d) + d (final norm).
  const [V, d, L, f] = [2048, 256, 4, 688];
  const params = 2 * V * d + L * (4 * d * d + 3 * d * f + 2 * d) + d;
  expect(result.model.nParams).toBe(params);
  // f16 2-D weights, f32 norms, plus the vocabulary: well under the 20 MB budget.
  expect(size).toBeGreaterThan(2 * params);
  expect(size).toBeLessThan(20e6);
  const model = await loadModel(result.out);
  try {
    expect(model.info).toMatchObject({ parameterCount: params, vocabSize: V, embeddingSize: d, layerCount: L, headCount: 4, trainContextSize: 256 });
    expect(model.info.fileType).toMatch(/F16/);
    expect(model.metadata['general.name']).toBe('llama-loom-brown-4m');
    expect(model.tokenize('The jury said', { addSpecial: false }).length).toBeLessThan('The jury said'.length);
  } finally {
    model.dispose();
  }
});

test('training lowers held-out perplexity; the f16 file scores like the f32 weights', () => {
  // Untrained weights predict almost uniformly: perplexity near the vocabulary size.
  expect(result.before.perplexity).toBeGreaterThan(1500);
  expect(result.before.perplexity).toBeLessThan(3000);
  expect(result.after.perplexity).toBeLessThan(result.before.perplexity / 2);
  expect(Math.abs(result.afterF16.perplexity / result.after.perplexity - 1)).toBeLessThan(0.01);
  expect(result.after.chunks).toBe(2);
  // Bits per byte is the same total NLL expressed per byte: nats/token · tokens / ln 2 / bytes.
  const a = result.after;
  expect(a.bitsPerByte).toBeCloseTo((a.meanNll * a.tokens) / Math.LN2 / a.bytes, 10);
  expect(result.training.steps).toBe(Math.floor((result.corpus.trainTokens - 1) / 256));
  expect(lines.some((l) => l.startsWith('tokenizer: 2048 tokens'))).toBe(true);
});

test('samples continue their prompts', () => {
  expect(result.samples.map((s) => s.prompt)).toEqual(['The', 'He said that', 'In the morning', 'The government']);
  for (const s of result.samples) {
    expect(s.text.startsWith(s.prompt)).toBe(true);
    expect(s.text.length).toBeGreaterThan(s.prompt.length);
  }
});

test('the model card reports the measured numbers and the caveats', () => {
  const card = readFileSync(join(dir, 'card.md'), 'utf8');
  expect(card).toMatch(/^# llama-loom-brown-4m/);
  expect(card).toContain('--quick');
  expect(card).toContain(`| trained, this file (f16) | ${result.afterF16.perplexity.toFixed(2)} |`);
  expect(card).toContain(`| random initialisation (f32) | ${result.before.perplexity.toFixed(2)} |`);
  expect(card).toContain(`| parameters | ${result.model.nParams} |`);
  for (const s of result.samples) expect(card).toContain(s.text);
  expect(card).toMatch(/token_embd\.weight.*no gradient/s);
  expect(card).toMatch(/attn_k.*attn_v/);
  expect(card).toContain('redistribution permitted');
});

test('the train-model script rejects unknown flags before doing any work', () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'train-model.mjs'), '--frobnicate'], { encoding: 'utf8' });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/unknown option --frobnicate/);
});
