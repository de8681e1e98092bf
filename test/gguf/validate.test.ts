// validateModelFile against hand-mutated copies of a good fixture. Each mutation breaks one rule
// llama.cpp's loader relies on (src/llama-model.cpp, src/llama-vocab.cpp, ggml/src/gguf.cpp).
import { readFileSync, writeFileSync } from 'node:fs';
import { isLoomError } from '../../lib/errors.js';
import type { GgufMetadataInput } from '../../lib/gguf/metadata-encode.js';
import { readGguf } from '../../lib/gguf/reader.js';
import { validateModelFile } from '../../lib/gguf/validate.js';
import { writeGguf, type GgufTensorInput } from '../../lib/gguf/writer.js';
import { fixturePath, type FixtureName } from '../helpers/fixtures.js';
import { G, Raw, T, tempFile, tempPath } from './raw-gguf.js';

interface Editable {
  metadata: Map<string, GgufMetadataInput>;
  tensors: GgufTensorInput[];
}

/** Re-writes the tiny-f32 fixture after `edit` changed its metadata or tensors. */
async function mutated(edit: (m: Editable) => void): Promise<string> {
  const src = await fixturePath('tiny-f32');
  const f = await readGguf(src);
  const bytes = readFileSync(src);
  const metadata = new Map<string, GgufMetadataInput>([...f.kv].map(([k, e]) => [k, { type: e.type, arrayType: e.arrayType, value: e.value }]));
  const tensors: GgufTensorInput[] = f.tensors.map((t) => ({
    name: t.name, type: t.type, shape: t.shape, data: bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize),
  }));
  const editable: Editable = { metadata, tensors };
  edit(editable);
  const out = tempPath('mutated');
  await writeGguf(out, editable);
  return out;
}

const u32 = (value: number): GgufMetadataInput => ({ type: 'u32', value });
const tensor = (m: Editable, name: string): GgufTensorInput => m.tensors.find((t) => t.name === name)!;
const tokens = (m: Editable): string[] => (m.metadata.get('tokenizer.ggml.tokens') as { value: string[] }).value;

async function expectInvalid(path: string, pattern: RegExp): Promise<void> {
  const err = await validateModelFile(path).then(() => undefined, (e: unknown) => e);
  expect(isLoomError(err, 'INVALID_GGUF')).toBe(true);
  expect((err as Error).message).toContain(path);
  expect((err as Error).message).toMatch(pattern);
}

test.each(['tiny-f32', 'tiny-f16', 'tiny-q8_0', 'tiny-q4_0', 'spm32k-f16'] as FixtureName[])('accepts the %s fixture', async (name) => {
  const check = await validateModelFile(await fixturePath(name));
  expect(check.architecture).toBe('llama');
  expect(check.architectureChecked).toBe(true);
  expect(check.nVocab).toBe((check.file.metadata.get('tokenizer.ggml.tokens') as string[]).length);
});

const mutations: Array<[string, (m: Editable) => void, RegExp]> = [
  ['missing embedding length', (m) => m.metadata.delete('llama.embedding_length'), /required key llama\.embedding_length is missing/],
  ['block count stored as i32', (m) => m.metadata.set('llama.block_count', { type: 'i32', value: 2 }), /llama\.block_count must be of type u32; found i32/],
  ['context length 0', (m) => m.metadata.set('llama.context_length', u32(0)), /llama\.context_length is 0; must be at least 1/],
  ['more than 512 layers', (m) => m.metadata.set('llama.block_count', u32(513)), /llama\.block_count is 513; must be in \[1, 512\]/],
  ['head count not dividing the embedding', (m) => { m.metadata.set('llama.attention.head_count', u32(5)); m.metadata.set('llama.attention.head_count_kv', u32(5)); },
    /llama\.attention\.head_count \(5\) must divide llama\.embedding_length \(64\)/],
  ['kv heads not dividing heads', (m) => m.metadata.set('llama.attention.head_count_kv', u32(3)), /llama\.attention\.head_count_kv \(3\) must divide llama\.attention\.head_count \(4\)/],
  ['zero kv heads', (m) => m.metadata.set('llama.attention.head_count_kv', u32(0)), /llama\.attention\.head_count_kv is 0/],
  ['rope dimensions below the head size', (m) => m.metadata.set('llama.rope.dimension_count', u32(8)), /llama\.rope\.dimension_count \(8\) must equal the head size 16/],
  ['zero rms epsilon', (m) => m.metadata.set('llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 0 }), /layer_norm_rms_epsilon is 0; must be a finite number > 0/],
  ['NaN rms epsilon', (m) => m.metadata.set('llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: NaN }), /layer_norm_rms_epsilon is NaN/],
  ['unknown rope scaling type', (m) => m.metadata.set('llama.rope.scaling.type', 'cubic'), /llama\.rope\.scaling\.type is "cubic"; must be one of none, linear, yarn, longrope/],
  ['unknown tokenizer model', (m) => m.metadata.set('tokenizer.ggml.model', 'sentencepiece'), /tokenizer\.ggml\.model "sentencepiece" is not one llama\.cpp knows/],
  ['scores shorter than tokens', (m) => {
    const s = m.metadata.get('tokenizer.ggml.scores') as { value: Float32Array };
    s.value = s.value.subarray(1);
  }, /tokenizer\.ggml\.scores has \d+ entries but tokenizer\.ggml\.tokens has \d+/],
  ['bos id past the vocabulary', (m) => m.metadata.set('tokenizer.ggml.bos_token_id', u32(tokens(m).length)), /bos_token_id is (\d+), outside the vocabulary of \1 tokens/],
  ['special id of the wrong type', (m) => m.metadata.set('tokenizer.ggml.eos_token_id', { type: 'i32', value: 2 }), /eos_token_id must be of type u32; found i32/],
  ['duplicate token text', (m) => { tokens(m)[300] = tokens(m)[301]!; }, /appears twice in tokenizer\.ggml\.tokens \(ids 300 and 301\)/],
  ['vocab_size disagreeing with the tokens', (m) => m.metadata.set('llama.vocab_size', u32(1000)), /llama\.vocab_size \(1000\) does not match the \d+ tokens/],
  ['missing architecture', (m) => m.metadata.delete('general.architecture'), /general\.architecture is missing/],
  ['missing feed-forward tensor', (m) => { m.tensors = m.tensors.filter((t) => t.name !== 'blk.1.ffn_up.weight'); }, /required tensor 'blk\.1\.ffn_up\.weight' is missing/],
  ['k projection of the wrong width', (m) => {
    const t = tensor(m, 'blk.0.attn_k.weight');
    t.shape = [64, 64];
    t.data = new Float32Array(64 * 64);
  }, /tensor 'blk\.0\.attn_k\.weight' has shape \[64, 64\]; the hyperparameters imply \[64, 32\]/],
  ['embedding rows not matching the vocabulary', (m) => {
    const t = tensor(m, 'token_embd.weight');
    t.shape = [64, 10];
    t.data = new Float32Array(640);
  }, /tensor 'token_embd\.weight' has shape \[64, 10\]; the hyperparameters imply \[64, \d+\]/],
  ['quantised norm weights', (m) => {
    const t = tensor(m, 'output_norm.weight');
    t.type = 'q8_0';
    t.data = new Uint8Array(68);
  }, /tensor 'output_norm\.weight' has type q8_0; element-wise weights \(norms, biases\) must be f32/],
];

test.each(mutations)('rejects: %s', async (_name, edit, pattern) => {
  await expectInvalid(await mutated(edit), pattern);
});

test('rejects tensor data that is not laid out back to back (gguf.cpp requires it)', async () => {
  // Two f32 tensors of 32 elements: 'b' claims offset 256 although llama.cpp expects 128.
  const r = Raw.header(2, 1).str('general.architecture').i32(T.str).str('x');
  r.str('a').u32(1).i64(32).i32(G.f32).u64(0);
  r.str('b').u32(1).i64(32).i32(G.f32).u64(256);
  const path = tempFile(r.align(32).zeros(384).build());
  expect((await readGguf(path)).tensors).toHaveLength(2); // a valid container for the reader
  await expectInvalid(path, /tensor 'b' has data offset 256; llama\.cpp expects 128/);
});

test('unknown architectures get container and tokenizer checks only', async () => {
  const path = await mutated((m) => {
    m.metadata.set('general.architecture', 'mystery');
    m.metadata.set('llama.attention.head_count', u32(7)); // would be wrong for llama
    m.tensors = m.tensors.slice(0, 3);
  });
  const check = await validateModelFile(path);
  expect(check.architecture).toBe('mystery');
  expect(check.architectureChecked).toBe(false);
  const dup = await mutated((m) => {
    m.metadata.set('general.architecture', 'mystery');
    tokens(m)[10] = tokens(m)[11]!;
  });
  await expectInvalid(dup, /appears twice/);
});

test('vocabOnly skips the hyperparameter and tensor checks', async () => {
  const path = await mutated((m) => { m.tensors = []; });
  await expectInvalid(path, /required tensor 'token_embd\.weight' is missing/);
  expect((await validateModelFile(path, { vocabOnly: true })).architectureChecked).toBe(false);
});

test('container errors surface from the reader', async () => {
  const path = await fixturePath('tiny-f32');
  const cut = tempPath('cut');
  const bytes = readFileSync(path);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  await expectInvalid(cut, /outside the file/);
});
