// Semantic mutations: a well-formed GGUF container around a nonsense model. Each edits the
// metadata or tensor list of a fixture the way a broken converter or a hostile file would —
// hyperparameters out of range or non-finite, inconsistent head counts, special-token ids outside
// the vocabulary, unknown tokenizers and architectures, mismatched token arrays, tensors whose
// shape or type disagrees with the hyperparameters.
import type { GgufTypedInput } from '../../lib/gguf/metadata-encode.js';
import type { Rng } from '../../lib/gguf/random.js';
import { ggmlTensorBytes, ggmlTypeByName } from '../../lib/gguf/types.js';
import { SPECIAL_TOKEN_KEYS } from '../../lib/gguf/validate-tokenizer.js';
import type { GgufTensorInput } from '../../lib/gguf/writer.js';

/** A fixture's metadata (typed, in file order) and tensors, ready to edit and re-write. */
export interface Editable {
  metadata: Map<string, GgufTypedInput>;
  tensors: GgufTensorInput[];
}

/** One semantic mutation: its category and a description of the edit it applies. */
export interface SemanticEdit {
  category: string;
  description: string;
  apply(m: Editable): void;
}

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng.uniform() * list.length)]!;
const u32 = (value: number): GgufTypedInput => ({ type: 'u32', value: value >>> 0 });
const f32 = (value: number): GgufTypedInput => ({ type: 'f32', value });
const archOf = (m: Editable): string => String(m.metadata.get('general.architecture')?.value ?? 'llama');
const numberAt = (m: Editable, key: string, fallback: number): number => {
  const v = m.metadata.get(key)?.value;
  return typeof v === 'number' ? v : fallback;
};
const tokenList = (m: Editable): string[] => (m.metadata.get('tokenizer.ggml.tokens')?.value as string[] | undefined) ?? [];

const INT_HPARAMS = [
  'context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count',
  'attention.head_count_kv', 'rope.dimension_count', 'attention.key_length', 'attention.value_length',
  'expert_count', 'expert_used_count', 'vocab_size', 'rope.scaling.original_context_length', 'attention.sliding_window',
];
const FLOAT_HPARAMS = [
  'attention.layer_norm_rms_epsilon', 'rope.freq_base', 'rope.scaling.factor', 'attention.layer_norm_epsilon',
  'rope.scaling.attn_factor', 'logit_scale', 'attn_logit_softcapping', 'final_logit_softcapping',
  'expert_weights_scale', 'rope.scaling.yarn_log_multiplier',
];
const BAD_FLOATS = [NaN, Infinity, -Infinity, 0, -1, -0, 1e38, 1e-45, 3.4e38];
/** Architectures llama.cpp knows (src/llama-arch.cpp), plus names it does not. */
const ARCH_NAMES = [
  'gpt2', 'gptj', 'gptneox', 'falcon', 'mpt', 'starcoder', 'bloom', 'stablelm', 'qwen', 'qwen2', 'qwen2moe', 'qwen3',
  'phi2', 'phi3', 'gemma', 'gemma2', 'gemma3', 'mamba', 'mamba2', 'rwkv6', 'rwkv7', 'bert', 'nomic-bert', 't5',
  't5encoder', 'deepseek2', 'command-r', 'olmo', 'granite', 'jamba', 'chatglm', 'nemotron', 'exaone', 'baichuan',
  'refact', 'orion', 'internlm2', 'minicpm', 'xverse', 'mistral3', 'llama4', 'deci', 'arctic', 'openelm',
  '', 'mystery', 'LLAMA', 'llama ', 'llama\u0000', 'l'.repeat(300),
];
const TOKENIZER_MODELS = ['', 'unknown', 'sentencepiece', 'LLAMA', 'gpt2', 'bert', 't5', 'rwkv', 'whitespace', 'plamo2', 'hybriddna', 'gemma4', 'none', 'no_vocab', 'ugm', 'bpe'];
const TOKENIZER_PRES = ['', 'unknown-pre', 'qwen2', 'llama3', 'deepseek-llm', 'kimi-k2', 'gpt-4o', 'x'.repeat(1000)];

type Maker = (rng: Rng, m: Editable) => SemanticEdit;

const hparamInt: Maker = (rng, m) => {
  const key = `${archOf(m)}.${pick(rng, INT_HPARAMS)}`;
  const cur = numberAt(m, key, 64);
  const v = pick(rng, [0, 1, 2, 3, 7, 0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff, 1 << 20, 1 << 30, cur + 1, cur * 2, 513, 1025, 65536]);
  return { category: 'hparam-int', description: `${key} = ${v >>> 0}`, apply: (e) => { e.metadata.set(key, u32(v)); } };
};

const hparamFloat: Maker = (rng, m) => {
  const key = `${archOf(m)}.${pick(rng, FLOAT_HPARAMS)}`;
  const v = pick(rng, BAD_FLOATS);
  return { category: 'hparam-float', description: `${key} = ${v}`, apply: (e) => { e.metadata.set(key, f32(v)); } };
};

const heads: Maker = (rng, m) => {
  const a = archOf(m);
  const nHead = numberAt(m, `${a}.attention.head_count`, 4);
  const variants: Array<[string, Record<string, number>]> = [
    ['heads not dividing the embedding', { 'attention.head_count': pick(rng, [3, 5, 7, 6]), 'attention.head_count_kv': 1 }],
    ['kv heads not dividing heads', { 'attention.head_count_kv': pick(rng, [3, 5]) }],
    ['kv heads above heads', { 'attention.head_count_kv': pick(rng, [nHead * 2, nHead * 4, nHead + 1]) }],
    ['heads above the embedding', { 'attention.head_count': 128, 'attention.head_count_kv': 128 }],
    ['key length without value length', { 'attention.key_length': pick(rng, [8, 32, 7]) }],
    ['odd rope dimensions', { 'rope.dimension_count': pick(rng, [15, 17, 1]) }],
    ['more experts used than exist', { expert_count: 2, expert_used_count: 4 }],
    ['experts without expert tensors', { expert_count: 4, expert_used_count: 2 }],
  ];
  const [name, set] = pick(rng, variants);
  const text = Object.entries(set).map(([k, v]) => `${a}.${k} = ${v}`).join(', ');
  return { category: 'head-counts', description: `${name}: ${text}`, apply: (e) => { for (const [k, v] of Object.entries(set)) e.metadata.set(`${a}.${k}`, u32(v)); } };
};

const perLayer: Maker = (rng, m) => {
  const a = archOf(m);
  const key = `${a}.${pick(rng, ['attention.head_count', 'attention.head_count_kv', 'feed_forward_length'])}`;
  const nLayer = numberAt(m, `${a}.block_count`, 2);
  const cur = numberAt(m, key, 4);
  const len = pick(rng, [nLayer, nLayer - 1, nLayer + 1, 0, 1000]);
  const fill = pick(rng, [cur, 0, 3, 0x7fffffff]);
  const arrayType = pick(rng, ['i32', 'u32', 'f32', 'str'] as const);
  const value = arrayType === 'str' ? new Array<string>(len).fill(String(fill)) : Array.from({ length: len }, (_, i) => (i === 0 ? fill : cur));
  return {
    category: 'per-layer-array',
    description: `${key} = arr of ${arrayType} (${len} entries, first ${fill})`,
    apply: (e) => { e.metadata.set(key, { type: 'arr', arrayType, value }); },
  };
};

const specialToken: Maker = (rng, m) => {
  const key = pick(rng, SPECIAL_TOKEN_KEYS);
  const n = tokenList(m).length;
  const choice = pick(rng, ['n', 'n+1', 'max', 'i32 -1', 'i32 n', 'str'] as const);
  const value: GgufTypedInput = choice === 'n' ? u32(n) : choice === 'n+1' ? u32(n + 1) : choice === 'max' ? u32(0xffffffff)
    : choice === 'i32 -1' ? { type: 'i32', value: -1 } : choice === 'i32 n' ? { type: 'i32', value: n } : { type: 'str', value: '1' };
  return { category: 'special-token', description: `${key} = ${choice} (${String(value.value)})`, apply: (e) => { e.metadata.set(key, value); } };
};

const tokenizerModel: Maker = (rng) => {
  if (rng.uniform() < 0.25) {
    const pre = pick(rng, TOKENIZER_PRES);
    return { category: 'tokenizer-name', description: `tokenizer.ggml.pre = ${JSON.stringify(pre.slice(0, 20))}`, apply: (e) => { e.metadata.set('tokenizer.ggml.pre', { type: 'str', value: pre }); } };
  }
  const model = pick(rng, TOKENIZER_MODELS);
  const withMerges = rng.uniform() < 0.5;
  return {
    category: 'tokenizer-name',
    description: `tokenizer.ggml.model = ${JSON.stringify(model)}${withMerges ? ' with garbage merges' : ''}`,
    apply: (e) => {
      e.metadata.set('tokenizer.ggml.model', { type: 'str', value: model });
      if (withMerges) e.metadata.set('tokenizer.ggml.merges', { type: 'arr', arrayType: 'str', value: ['a b', 'zz', '', ' ', 'q q q'] });
    },
  };
};

const architecture: Maker = (rng, m) => {
  const from = archOf(m);
  const to = pick(rng, ARCH_NAMES);
  const renameKeys = rng.uniform() < 0.6;
  return {
    category: 'architecture',
    description: `general.architecture = ${JSON.stringify(to.slice(0, 20))}${renameKeys ? `, ${from}.* keys renamed` : ''}`,
    apply: (e) => {
      const next = new Map<string, GgufTypedInput>();
      for (const [k, v] of e.metadata) {
        if (k === 'general.architecture') next.set(k, { type: 'str', value: to });
        else next.set(renameKeys && k.startsWith(`${from}.`) ? `${to}.${k.slice(from.length + 1)}` : k, v);
      }
      e.metadata = next;
    },
  };
};

const tokenArrays: Maker = (rng, m) => {
  const n = Math.max(2, tokenList(m).length); // an earlier edit may have emptied the list
  const variants: Array<[string, (e: Editable) => void]> = [
    ['scores one short', (e) => { e.metadata.set('tokenizer.ggml.scores', { type: 'arr', arrayType: 'f32', value: new Float32Array(n - 1) }); }],
    ['scores one long', (e) => { e.metadata.set('tokenizer.ggml.scores', { type: 'arr', arrayType: 'f32', value: new Float32Array(n + 1) }); }],
    ['token types one short', (e) => { e.metadata.set('tokenizer.ggml.token_type', { type: 'arr', arrayType: 'i32', value: new Int32Array(n - 1).fill(1) }); }],
    ['token types out of range', (e) => { e.metadata.set('tokenizer.ggml.token_type', { type: 'arr', arrayType: 'i32', value: new Int32Array(n).fill(pick(rng, [0, -1, 99, 0x7fffffff])) }); }],
    ['NaN scores', (e) => { e.metadata.set('tokenizer.ggml.scores', { type: 'arr', arrayType: 'f32', value: new Float32Array(n).fill(pick(rng, [NaN, Infinity, -Infinity])) }); }],
    ['scores as strings', (e) => { e.metadata.set('tokenizer.ggml.scores', { type: 'arr', arrayType: 'str', value: new Array<string>(n).fill('0') }); }],
    ['tokens as u32', (e) => { e.metadata.set('tokenizer.ggml.tokens', { type: 'arr', arrayType: 'u32', value: new Uint32Array(n) }); }],
    ['empty token list', (e) => { e.metadata.set('tokenizer.ggml.tokens', { type: 'arr', arrayType: 'str', value: [] }); }],
    ['one token', (e) => { e.metadata.set('tokenizer.ggml.tokens', { type: 'arr', arrayType: 'str', value: ['a'] }); }],
    ['duplicate tokens', (e) => { const t = [...tokenList(e)]; t[n - 1] = t[n - 2]!; e.metadata.set('tokenizer.ggml.tokens', { type: 'arr', arrayType: 'str', value: t }); }],
    ['empty token strings', (e) => { const t = [...tokenList(e)]; for (let i = 3; i < n; i += 7) t[i] = ''; e.metadata.set('tokenizer.ggml.tokens', { type: 'arr', arrayType: 'str', value: t }); }],
    ['byte tokens renamed', (e) => { const t = tokenList(e).map((s) => (s.startsWith('<0x') ? `<1x${s.slice(3)}` : s)); e.metadata.set('tokenizer.ggml.tokens', { type: 'arr', arrayType: 'str', value: t }); }],
    ['tokens missing', (e) => { e.metadata.delete('tokenizer.ggml.tokens'); }],
    ['merges of wrong type', (e) => { e.metadata.set('tokenizer.ggml.model', { type: 'str', value: 'gpt2' }); e.metadata.set('tokenizer.ggml.merges', { type: 'arr', arrayType: 'u32', value: [1, 2] }); }],
  ];
  const [name, apply] = pick(rng, variants);
  return { category: 'token-arrays', description: name, apply };
};

function replaceTensor(e: Editable, name: string, type: string, shape: number[]): void {
  const t = e.tensors.find((x) => x.name === name);
  if (!t) return;
  t.type = type;
  t.shape = shape;
  t.data = new Uint8Array(ggmlTensorBytes(ggmlTypeByName(type)!, shape));
}

const tensorShape: Maker = (rng, m) => {
  const t = pick(rng, m.tensors);
  const s = [...t.shape];
  const variants: number[][] = [
    [...s].reverse(), [s[0]! + 32, ...s.slice(1)], [s[0]!, (s[1] ?? 1) + 1, ...s.slice(2)], [...s, 2], [s[0]!],
    [s[0]! * 2, Math.max(1, Math.floor((s[1] ?? 2) / 2)), ...s.slice(2)], [32, ...s.slice(1)],
  ];
  const type = ggmlTypeByName(t.type)!;
  const differs = (v: number[]): boolean => v.length !== s.length || v.some((d, i) => d !== s[i]);
  const shape = pick(rng, variants.filter((v) => v[0]! % type.blockSize === 0 && differs(v)));
  return { category: 'tensor-shape', description: `tensor '${t.name}' shape [${s}] -> [${shape}]`, apply: (e) => replaceTensor(e, t.name, t.type, shape) };
};

const tensorType: Maker = (rng, m) => {
  const t = pick(rng, m.tensors);
  const candidates = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q6_k', 'q4_k', 'iq4_nl', 'i8', 'i16', 'i32', 'f64', 'i64']
    .filter((n) => n !== t.type && ggmlTypeByName(n) && t.shape[0]! % ggmlTypeByName(n)!.blockSize === 0);
  const type = pick(rng, candidates);
  return { category: 'tensor-type', description: `tensor '${t.name}' type ${t.type} -> ${type}`, apply: (e) => replaceTensor(e, t.name, type, [...t.shape]) };
};

const missing: Maker = (rng, m) => {
  if (rng.uniform() < 0.5) {
    const t = pick(rng, m.tensors);
    return { category: 'missing', description: `tensor '${t.name}' removed`, apply: (e) => { e.tensors = e.tensors.filter((x) => x.name !== t.name); } };
  }
  const key = pick(rng, [...m.metadata.keys()]);
  return { category: 'missing', description: `metadata key '${key}' removed`, apply: (e) => { e.metadata.delete(key); } };
};

const extraTensor: Maker = (rng, m) => {
  const a = archOf(m);
  const nEmbd = numberAt(m, `${a}.embedding_length`, 64);
  const name = pick(rng, ['rope_freqs.weight', 'blk.0.attn_q.bias', 'blk.9.attn_q.weight', 'output.bias', 'blk.0.ffn_gate_inp.weight', 'blk.0.attn_qkv.weight', 'mystery.weight']);
  const shape = pick(rng, [[nEmbd], [nEmbd / 2], [8], [nEmbd, nEmbd], [nEmbd, 3]]);
  return {
    category: 'tensor-shape',
    description: `extra tensor '${name}' [${shape}]`,
    apply: (e) => { if (!e.tensors.some((t) => t.name === name)) e.tensors.push({ name, type: 'f32', shape, data: new Float32Array(shape.reduce((x, y) => x * y, 1)) }); },
  };
};

const metadataType: Maker = (rng, m) => {
  const key = pick(rng, [...m.metadata.keys()]);
  const cur = m.metadata.get(key)!;
  const replacements: GgufTypedInput[] = [
    { type: 'i32', value: -1 }, { type: 'u64', value: 1n << 40n }, { type: 'f32', value: 2.5 }, { type: 'str', value: '64' },
    { type: 'bool', value: true }, { type: 'u8', value: 255 }, { type: 'f64', value: NaN },
    { type: 'arr', arrayType: 'u32', value: [1, 2, 3] }, { type: 'arr', arrayType: 'str', value: [] },
  ].filter((r) => r.type !== cur.type) as GgufTypedInput[];
  const r = pick(rng, replacements);
  return { category: 'metadata-type', description: `'${key}' retyped ${cur.type} -> ${r.type}${r.arrayType ? ` of ${r.arrayType}` : ''}`, apply: (e) => { e.metadata.set(key, r); } };
};

const weights: Maker = (rng, m) => {
  const t = pick(rng, m.tensors.filter((x) => x.type === 'f32' || x.type === 'f16'));
  const bits = pick(rng, [0x7fc00000, 0x7f800000, 0xff800000]);
  return {
    category: 'weights',
    description: `tensor '${t.name}' filled with ${bits === 0x7fc00000 ? 'NaN' : bits === 0x7f800000 ? '+Inf' : '-Inf'}`,
    apply: (e) => {
      const x = e.tensors.find((y) => y.name === t.name)!;
      const n = x.shape.reduce((a, b) => a * b, 1);
      x.data = x.type === 'f32' ? new Uint32Array(n).fill(bits) : new Uint16Array(n).fill(bits === 0x7fc00000 ? 0x7e00 : bits === 0x7f800000 ? 0x7c00 : 0xfc00);
    },
  };
};

const alignment: Maker = (rng) => {
  // The writer only produces powers of two; the byte-level edits cover other values.
  const v = pick(rng, [1, 8, 64, 256]);
  return { category: 'metadata-type', description: `general.alignment = ${v}`, apply: (e) => { e.metadata.set('general.alignment', u32(v)); } };
};

/** Makers and their relative weights: the semantic categories dominate, as the issue asks. */
export const SEMANTIC_MAKERS: ReadonlyArray<[Maker, number]> = [
  [hparamInt, 8], [hparamFloat, 5], [heads, 5], [perLayer, 3], [specialToken, 4], [tokenizerModel, 4],
  [architecture, 6], [tokenArrays, 5], [tensorShape, 5], [extraTensor, 2], [tensorType, 4], [missing, 3],
  [metadataType, 3], [weights, 2], [alignment, 1],
];
const TOTAL = SEMANTIC_MAKERS.reduce((s, [, w]) => s + w, 0);

/** One random semantic mutation of `m` (not applied yet). */
export function semanticMutation(rng: Rng, m: Editable): SemanticEdit {
  let r = rng.uniform() * TOTAL;
  const maker = SEMANTIC_MAKERS.find(([, w]) => (r -= w) < 0)?.[0] ?? hparamInt;
  return maker(rng, m);
}
