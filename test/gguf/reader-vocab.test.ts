// Reads every vocabulary-only GGUF shipped in llama.cpp's models/ directory. Expected sizes are
// the published vocabulary sizes of the source tokenizers (e.g. GPT-2: 50257, LLaMA/SentencePiece:
// 32000, BERT base uncased: 30522, Llama 3: 128256, Qwen2: 151936, Phi-3: 32064).
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGguf } from '../../lib/gguf/reader.js';
import { validateModelFile } from '../../lib/gguf/validate.js';

const MODELS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deps', 'llama.cpp', 'models');
const files = readdirSync(MODELS).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)).sort();

const KNOWN: Record<string, { model: string; n: number }> = {
  'ggml-vocab-gpt-2.gguf': { model: 'gpt2', n: 50257 },
  'ggml-vocab-llama-spm.gguf': { model: 'llama', n: 32000 },
  'ggml-vocab-bert-bge.gguf': { model: 'bert', n: 30522 },
  'ggml-vocab-llama-bpe.gguf': { model: 'gpt2', n: 128256 },
  'ggml-vocab-qwen2.gguf': { model: 'gpt2', n: 151936 },
  'ggml-vocab-phi-3.gguf': { model: 'llama', n: 32064 },
};

test('the vocab files are present', () => {
  expect(files.length).toBeGreaterThanOrEqual(15);
  for (const name of Object.keys(KNOWN)) expect(files).toContain(name);
});

describe.each(files)('%s', (name) => {
  test('is read and passes the container and tokenizer checks', async () => {
    const { file, nVocab, architecture } = await validateModelFile(join(MODELS, name), { vocabOnly: true });
    expect(file.tensors).toEqual([]);
    expect([2, 3]).toContain(file.version);
    expect(file.dataOffset).toBeLessThanOrEqual(file.fileSize);
    expect(architecture).toBe(file.metadata.get('general.architecture'));
    const tokens = file.metadata.get('tokenizer.ggml.tokens') as string[];
    expect(nVocab).toBe(tokens.length);
    const known = KNOWN[name];
    if (known) {
      expect(file.metadata.get('tokenizer.ggml.model')).toBe(known.model);
      expect(tokens.length).toBe(known.n);
    }
  });
});

test('llama-spm: SentencePiece layout, special ids and hyperparameters of LLaMA 7B', async () => {
  const f = await readGguf(join(MODELS, 'ggml-vocab-llama-spm.gguf'));
  const tokens = f.metadata.get('tokenizer.ggml.tokens') as string[];
  expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
  expect(tokens[3 + 0x0a]).toBe('<0x0A>');
  expect(f.metadata.get('tokenizer.ggml.bos_token_id')).toBe(1);
  expect(f.metadata.get('tokenizer.ggml.eos_token_id')).toBe(2);
  expect(f.kv.get('tokenizer.ggml.scores')).toMatchObject({ type: 'arr', arrayType: 'f32', length: 32000 });
  expect(f.kv.get('tokenizer.ggml.token_type')).toMatchObject({ type: 'arr', arrayType: 'i32', length: 32000 });
  expect(f.metadata.get('llama.embedding_length')).toBe(4096);
  expect(f.metadata.get('llama.block_count')).toBe(32);
  expect(f.kv.get('llama.attention.layer_norm_rms_epsilon')).toMatchObject({ type: 'f32', value: Math.fround(1e-5) });
});

test('gpt-2: byte-level BPE with 50000 merges and <|endoftext|> = 50256', async () => {
  const f = await readGguf(join(MODELS, 'ggml-vocab-gpt-2.gguf'), { maxArrayLength: 3 });
  expect(f.kv.get('tokenizer.ggml.merges')).toMatchObject({ arrayType: 'str', length: 50000, truncated: true });
  expect(f.metadata.get('tokenizer.ggml.tokens')).toEqual(['!', '"', '#']);
  expect(f.metadata.get('tokenizer.ggml.eos_token_id')).toBe(50256);
});
