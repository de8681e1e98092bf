// Checks the fixture models against what llama.cpp's loader expects for LLM_ARCH_LLAMA
// (src/models/llama.cpp: tensor names and shapes in ggml order, ne0 first) and against the
// llama parameter-count formula worked out here independently.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { estimateLlamaParams, writeLlamaFixture } from '../../lib/gguf/llama-fixture.js';
import { readGguf, type GgufFile } from '../../lib/gguf/reader.js';
import { FIXTURE_OPTIONS, LLAMA_SPM_VOCAB, fixturePath, type FixtureName } from '../helpers/fixtures.js';
import { tempPath } from './raw-gguf.js';

/** Expected tensors for nEmbd 64, nLayer 2, nHead 4, nHeadKv 2 (head 16, kv width 32), nFf 128. */
function tinyTensors(nVocab: number, type: string): Array<[string, string, number[]]> {
  const out: Array<[string, string, number[]]> = [['token_embd.weight', type, [64, nVocab]]];
  for (const b of ['blk.0.', 'blk.1.']) {
    out.push(
      [b + 'attn_norm.weight', 'f32', [64]], [b + 'attn_q.weight', type, [64, 64]], [b + 'attn_k.weight', type, [64, 32]],
      [b + 'attn_v.weight', type, [64, 32]], [b + 'attn_output.weight', type, [64, 64]], [b + 'ffn_norm.weight', 'f32', [64]],
      [b + 'ffn_gate.weight', type, [64, 128]], [b + 'ffn_up.weight', type, [64, 128]], [b + 'ffn_down.weight', type, [128, 64]],
    );
  }
  out.push(['output_norm.weight', 'f32', [64]], ['output.weight', type, [64, nVocab]]);
  return out;
}

/** llama parameter count: embeddings + output + final norm + per layer (2 norms, q, k, v, o, gate, up, down). */
function llamaParams(v: number, e: number, layers: number, heads: number, kvHeads: number, ff: number, tied = false): number {
  const kv = (e / heads) * kvHeads;
  const perLayer = 2 * e + e * e + 2 * e * kv + e * e + 3 * e * ff;
  return v * e * (tied ? 1 : 2) + e + layers * perLayer;
}

const f32Data = (file: GgufFile, bytes: Buffer, name: string): Float32Array => {
  const t = file.tensors.find((x) => x.name === name)!;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + t.fileOffset, bytes.byteOffset + t.fileOffset + t.byteSize));
};

const std = (x: Float32Array): number => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
};

describe.each([
  ['tiny-f32', 'f32', 0], ['tiny-f16', 'f16', 1], ['tiny-q8_0', 'q8_0', 7], ['tiny-q4_0', 'q4_0', 2],
] as const)('%s', (name: FixtureName, type, fileType) => {
  test('has the llama hyperparameters, tensors and parameter count', async () => {
    const f = await readGguf(await fixturePath(name));
    const m = f.metadata;
    const nVocab = (m.get('tokenizer.ggml.tokens') as string[]).length;
    expect(Object.fromEntries(['general.architecture', 'llama.context_length', 'llama.embedding_length', 'llama.block_count',
      'llama.feed_forward_length', 'llama.attention.head_count', 'llama.attention.head_count_kv', 'llama.rope.dimension_count',
      'general.file_type', 'llama.vocab_size', 'tokenizer.ggml.model', 'tokenizer.ggml.bos_token_id',
      'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id'].map((k) => [k, m.get(k)]))).toEqual({
      'general.architecture': 'llama', 'llama.context_length': 256, 'llama.embedding_length': 64, 'llama.block_count': 2,
      'llama.feed_forward_length': 128, 'llama.attention.head_count': 4, 'llama.attention.head_count_kv': 2,
      'llama.rope.dimension_count': 16, 'general.file_type': fileType, 'llama.vocab_size': nVocab,
      'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.bos_token_id': 1, 'tokenizer.ggml.eos_token_id': 2,
      'tokenizer.ggml.unknown_token_id': 0,
    });
    for (const k of ['llama.context_length', 'llama.embedding_length', 'llama.block_count', 'general.file_type']) {
      expect(f.kv.get(k)!.type).toBe('u32'); // llama.cpp's get_key<uint32_t> demands exactly u32
    }
    expect(f.kv.get('llama.attention.layer_norm_rms_epsilon')).toMatchObject({ type: 'f32', value: Math.fround(1e-5) });
    expect(f.kv.get('llama.rope.freq_base')).toMatchObject({ type: 'f32', value: 10000 });
    expect(f.tensors.map((t) => [t.name, t.type, t.shape])).toEqual(tinyTensors(nVocab, type));
    const total = f.tensors.reduce((s, t) => s + t.elementCount, 0);
    expect(total).toBe(llamaParams(nVocab, 64, 2, 4, 2, 128));
    expect(estimateLlamaParams({ ...FIXTURE_OPTIONS[name] })).toBe(total);
  });
});

test('tiny-f32 weights: N(0, 0.02²), residual projections scaled by 1/√(2·nLayer), norms 1', async () => {
  const path = await fixturePath('tiny-f32');
  const f = await readGguf(path);
  const bytes = readFileSync(path);
  const emb = f32Data(f, bytes, 'token_embd.weight');
  expect(Math.abs(emb.reduce((a, b) => a + b, 0) / emb.length)).toBeLessThan(0.001);
  expect(std(emb)).toBeCloseTo(0.02, 3);
  const down = new Float32Array([...f32Data(f, bytes, 'blk.0.ffn_down.weight'), ...f32Data(f, bytes, 'blk.1.attn_output.weight')]);
  expect(std(down)).toBeCloseTo(0.02 / 2, 3);
  expect(f32Data(f, bytes, 'blk.1.ffn_norm.weight').every((v) => v === 1)).toBe(true);
  expect(f32Data(f, bytes, 'output_norm.weight').every((v) => v === 1)).toBe(true);
  // Different tensors draw different values.
  expect(f32Data(f, bytes, 'blk.0.attn_q.weight').slice(0, 8)).not.toEqual(f32Data(f, bytes, 'blk.1.attn_q.weight').slice(0, 8));
});

test('the tiny vocabulary: SPM layout, unique tokens, merges reachable from smaller pieces', async () => {
  const f = await readGguf(await fixturePath('tiny-f16'));
  const tokens = f.metadata.get('tokenizer.ggml.tokens') as string[];
  const types = f.metadata.get('tokenizer.ggml.token_type') as Int32Array;
  const scores = f.metadata.get('tokenizer.ggml.scores') as Float32Array;
  expect(tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
  expect(Array.from(types.slice(0, 3))).toEqual([2, 3, 3]); // UNKNOWN, CONTROL, CONTROL
  for (let b = 0; b < 256; b++) {
    expect(tokens[3 + b]).toBe(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    expect(types[3 + b]).toBe(6); // BYTE
  }
  expect(new Set(tokens).size).toBe(tokens.length);
  const ids = new Map(tokens.map((t, i) => [t, i]));
  for (let c = 0x21; c <= 0x7e; c++) expect(ids.has(String.fromCharCode(c))).toBe(true);
  expect(ids.has('▁')).toBe(true);
  const pieces = tokens.slice(259).filter((t) => [...t].length > 1);
  expect(pieces.length).toBeGreaterThanOrEqual(300);
  for (const w of ['▁the', '▁and', '▁of']) expect(ids.has(w)).toBe(true);
  // llama.cpp's SPM tokenizer only reaches a piece by joining two vocabulary entries.
  for (const p of pieces) {
    const chars = [...p];
    const splits = chars.slice(1).map((_, i) => [chars.slice(0, i + 1).join(''), chars.slice(i + 1).join('')]);
    expect(splits.some(([l, r]) => ids.has(l!) && ids.has(r!))).toBe(true);
  }
  const mergeScores = pieces.map((p) => scores[ids.get(p)!]!);
  expect(mergeScores.every((s, i) => i === 0 || s < mergeScores[i - 1]!)).toBe(true);
});

test('spm32k-f16 carries the llama-spm vocabulary unchanged', async () => {
  const f = await readGguf(await fixturePath('spm32k-f16'));
  const src = await readGguf(LLAMA_SPM_VOCAB);
  expect(f.metadata.get('tokenizer.ggml.tokens')).toEqual(src.metadata.get('tokenizer.ggml.tokens'));
  expect(f.metadata.get('tokenizer.ggml.scores')).toEqual(src.metadata.get('tokenizer.ggml.scores'));
  expect(f.kv.get('tokenizer.ggml.add_bos_token')).toEqual(src.kv.get('tokenizer.ggml.add_bos_token'));
  expect(f.tensors.find((t) => t.name === 'token_embd.weight')!.shape).toEqual([128, 32000]);
  expect(f.tensors.find((t) => t.name === 'blk.1.attn_k.weight')!.shape).toEqual([128, 128]);
  expect(f.tensors.reduce((s, t) => s + t.elementCount, 0)).toBe(llamaParams(32000, 128, 2, 4, 4, 256));
});

test('writing is deterministic in the seed; tiedOutput drops output.weight', async () => {
  const base = { nEmbd: 32, nLayer: 1, nHead: 2, nHeadKv: 1, nFf: 64, nCtx: 32, type: 'q8_0', vocab: { kind: 'tiny' } } as const;
  const [a, b, c, d] = [tempPath(), tempPath(), tempPath(), tempPath()];
  await writeLlamaFixture(a, { ...base, seed: 5 });
  await writeLlamaFixture(b, { ...base, seed: 5 });
  await writeLlamaFixture(c, { ...base, seed: 6 });
  const info = await writeLlamaFixture(d, { ...base, seed: 5, tiedOutput: true });
  const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
  expect(sha(a)).toBe(sha(b));
  expect(sha(a)).not.toBe(sha(c));
  const tied = await readGguf(d);
  expect(tied.tensors.some((t) => t.name === 'output.weight')).toBe(false);
  expect(info.nParams).toBe(llamaParams(info.nVocab, 32, 1, 2, 1, 64, true));
  expect(estimateLlamaParams({ ...base, tiedOutput: true, nVocab: info.nVocab })).toBe(info.nParams);
});

test('fixture options are validated', async () => {
  const base = { nEmbd: 64, nLayer: 1, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 32, type: 'f32', seed: 1, vocab: { kind: 'tiny' } } as const;
  await expect(writeLlamaFixture(tempPath(), { ...base, nHead: 5 })).rejects.toThrow(/nEmbd must be a multiple of nHead/);
  await expect(writeLlamaFixture(tempPath(), { ...base, nHeadKv: 3 })).rejects.toThrow(/nHead must be a multiple of nHeadKv/);
  await expect(writeLlamaFixture(tempPath(), { ...base, nFf: 100, type: 'q4_0' })).rejects.toThrow(/nFf must be a multiple of 32/);
  await expect(writeLlamaFixture(tempPath(), { ...base, type: 'q5_0' as 'f32' })).rejects.toThrow(RangeError);
  await expect(writeLlamaFixture(tempPath(), { ...base, vocab: { kind: 'gguf', path: '/nonexistent.gguf' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(() => estimateLlamaParams({ nEmbd: 64, nLayer: 1, nHead: 4, nHeadKv: 2, nFf: 128 })).toThrow(TypeError);
});
