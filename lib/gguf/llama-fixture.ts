// Writes small random-weight models in llama.cpp's "llama" architecture, for tests and benches.
import { LoomError } from '../errors.js';
import { checkBoolean, checkInteger, checkNumber, checkObject, checkOneOf, checkString, fail } from '../validate.js';
import type { GgufMetadataInput } from './metadata-encode.js';
import { encodeTensor, type EncodableType } from './quantize.js';
import { Rng } from './random.js';
import { readGguf } from './reader.js';
import { tinyVocab } from './tiny-vocab.js';
import { LLAMA_FILE_TYPES } from './types.js';
import { writeGguf, type GgufTensorInput } from './writer.js';

/** Where the fixture's tokenizer comes from. */
export type LlamaVocabSpec = { kind: 'tiny' } | { kind: 'gguf'; path: string };

/** Shape and content of a fixture model. */
export interface LlamaFixtureOptions {
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nCtx: number;
  /** RoPE base frequency; default 10000. */
  ropeTheta?: number;
  /** RMSNorm epsilon; default 1e-5. */
  rmsEps?: number;
  /** Storage type of the 2-D weights (1-D tensors are always f32). */
  type: EncodableType;
  seed: number;
  vocab: LlamaVocabSpec;
  /** Omit output.weight so llama.cpp reuses token_embd.weight; default false. */
  tiedOutput?: boolean;
  /** Standard deviation of the weights; default 0.02. */
  initStd?: number;
}

/** What {@link writeLlamaFixture} wrote. */
export interface LlamaFixtureInfo {
  nVocab: number;
  /** Total elements over all tensors. */
  nParams: number;
  /** `general.file_type` written. */
  fileType: number;
  tensorNames: string[];
}

const FILE_TYPE_OF: Record<EncodableType, number> = {
  f32: LLAMA_FILE_TYPES.ALL_F32!, f16: LLAMA_FILE_TYPES.MOSTLY_F16!,
  q8_0: LLAMA_FILE_TYPES.MOSTLY_Q8_0!, q4_0: LLAMA_FILE_TYPES.MOSTLY_Q4_0!,
};

type Shape = Pick<LlamaFixtureOptions, 'nEmbd' | 'nLayer' | 'nHead' | 'nHeadKv' | 'nFf'> & { tiedOutput?: boolean };

function checkShape(o: Shape & { type?: EncodableType }): void {
  checkInteger('nEmbd', o.nEmbd, { min: 1, max: 1 << 20 });
  checkInteger('nLayer', o.nLayer, { min: 1, max: 512 });
  checkInteger('nHead', o.nHead, { min: 1, max: o.nEmbd });
  checkInteger('nHeadKv', o.nHeadKv, { min: 1, max: o.nHead });
  checkInteger('nFf', o.nFf, { min: 1, max: 1 << 22 });
  if (o.nEmbd % o.nHead !== 0) fail('nEmbd', `a multiple of nHead (${o.nHead})`, o.nEmbd, 'range');
  if (o.nHead % o.nHeadKv !== 0) fail('nHead', `a multiple of nHeadKv (${o.nHeadKv})`, o.nHead, 'range');
  if ((o.nEmbd / o.nHead) % 2 !== 0) fail('nEmbd / nHead', 'even (RoPE rotates pairs)', o.nEmbd / o.nHead, 'range');
  if (o.type === 'q8_0' || o.type === 'q4_0') {
    if (o.nEmbd % 32 !== 0) fail('nEmbd', `a multiple of 32 for ${o.type}`, o.nEmbd, 'range');
    if (o.nFf % 32 !== 0) fail('nFf', `a multiple of 32 for ${o.type}`, o.nFf, 'range');
  }
  if (o.tiedOutput !== undefined) checkBoolean('tiedOutput', o.tiedOutput);
}

interface TensorPlan { name: string; shape: number[]; kind: 'norm' | 'weight' | 'residual' }

function planTensors(o: Shape, nVocab: number): TensorPlan[] {
  const headDim = o.nEmbd / o.nHead;
  const nKv = headDim * o.nHeadKv;
  const plan: TensorPlan[] = [{ name: 'token_embd.weight', shape: [o.nEmbd, nVocab], kind: 'weight' }];
  for (let i = 0; i < o.nLayer; i++) {
    const b = `blk.${i}.`;
    plan.push(
      { name: b + 'attn_norm.weight', shape: [o.nEmbd], kind: 'norm' },
      { name: b + 'attn_q.weight', shape: [o.nEmbd, o.nEmbd], kind: 'weight' },
      { name: b + 'attn_k.weight', shape: [o.nEmbd, nKv], kind: 'weight' },
      { name: b + 'attn_v.weight', shape: [o.nEmbd, nKv], kind: 'weight' },
      { name: b + 'attn_output.weight', shape: [o.nEmbd, o.nEmbd], kind: 'residual' },
      { name: b + 'ffn_norm.weight', shape: [o.nEmbd], kind: 'norm' },
      { name: b + 'ffn_gate.weight', shape: [o.nEmbd, o.nFf], kind: 'weight' },
      { name: b + 'ffn_up.weight', shape: [o.nEmbd, o.nFf], kind: 'weight' },
      { name: b + 'ffn_down.weight', shape: [o.nFf, o.nEmbd], kind: 'residual' },
    );
  }
  plan.push({ name: 'output_norm.weight', shape: [o.nEmbd], kind: 'norm' });
  if (!o.tiedOutput) plan.push({ name: 'output.weight', shape: [o.nEmbd, nVocab], kind: 'weight' });
  return plan;
}

/**
 * Parameter count of a llama model with these dimensions: embeddings, per-layer attention
 * (q, k, v, o), SwiGLU feed-forward (gate, up, down) and two RMSNorm weights, final norm and
 * (unless tied) the output projection. The vocabulary size comes from `nVocab`, or from the
 * tiny vocabulary when `vocab` is `{ kind: 'tiny' }`.
 */
export function estimateLlamaParams(opts: Shape & { nVocab?: number; vocab?: LlamaVocabSpec }): number {
  checkObject('opts', opts);
  checkShape(opts);
  let nVocab = opts.nVocab;
  if (nVocab === undefined) {
    if (opts.vocab?.kind !== 'tiny') fail('opts.nVocab', 'given unless vocab is { kind: "tiny" }', nVocab);
    nVocab = tinyVocab().tokens.length;
  }
  checkInteger('opts.nVocab', nVocab, { min: 1 });
  return planTensors(opts, nVocab).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}

async function vocabMetadata(spec: LlamaVocabSpec): Promise<{ nVocab: number; entries: Array<[string, GgufMetadataInput]> }> {
  checkObject('vocab', spec);
  const kind = checkOneOf('vocab.kind', spec.kind, ['tiny', 'gguf'] as const);
  if (kind === 'tiny') {
    const v = tinyVocab();
    return {
      nVocab: v.tokens.length,
      entries: [
        ['tokenizer.ggml.model', 'llama'],
        ['tokenizer.ggml.pre', 'default'],
        ['tokenizer.ggml.tokens', v.tokens],
        ['tokenizer.ggml.scores', v.scores],
        ['tokenizer.ggml.token_type', v.tokenTypes],
        ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
        ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
        ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
        ['tokenizer.ggml.add_bos_token', true],
        ['tokenizer.ggml.add_eos_token', false],
      ],
    };
  }
  const path = checkString('vocab.path', (spec as { path: unknown }).path, { nonEmpty: true });
  const src = await readGguf(path);
  const tokens = src.kv.get('tokenizer.ggml.tokens');
  if (!tokens || tokens.type !== 'arr' || tokens.arrayType !== 'str') {
    throw new LoomError('INVALID_GGUF', `${path}: has no tokenizer.ggml.tokens string array to copy`);
  }
  const entries: Array<[string, GgufMetadataInput]> = [];
  for (const [key, entry] of src.kv) {
    if (key.startsWith('tokenizer.')) entries.push([key, { type: entry.type, arrayType: entry.arrayType, value: entry.value }]);
  }
  return { nVocab: (tokens.value as string[]).length, entries };
}

/**
 * Writes a deterministic random-weight llama model that llama.cpp can load. Weights are
 * N(0, initStd²) float32 values from a generator seeded by `seed` and the tensor name; the
 * residual projections (attn_output, ffn_down) are scaled by 1/√(2·nLayer); norm weights are 1.
 * 2-D tensors (token_embd included) are stored as `type`, 1-D tensors as f32.
 */
export async function writeLlamaFixture(path: string, opts: LlamaFixtureOptions): Promise<LlamaFixtureInfo> {
  checkString('path', path, { nonEmpty: true });
  checkObject('opts', opts);
  const type = checkOneOf('opts.type', opts.type, ['f32', 'f16', 'q8_0', 'q4_0'] as const);
  checkShape(opts);
  const nCtx = checkInteger('opts.nCtx', opts.nCtx, { min: 1, max: 0xffffffff });
  const seed = checkInteger('opts.seed', opts.seed, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const ropeTheta = checkNumber('opts.ropeTheta', opts.ropeTheta ?? 10000, { gt: 0 });
  const rmsEps = checkNumber('opts.rmsEps', opts.rmsEps ?? 1e-5, { gt: 0 });
  const initStd = checkNumber('opts.initStd', opts.initStd ?? 0.02, { min: 0 });
  const { nVocab, entries: vocabEntries } = await vocabMetadata(opts.vocab);

  const fileType = FILE_TYPE_OF[type];
  const u32 = (value: number): GgufMetadataInput => ({ type: 'u32', value });
  const f32 = (value: number): GgufMetadataInput => ({ type: 'f32', value });
  const metadata = new Map<string, GgufMetadataInput>([
    ['general.architecture', 'llama'],
    ['general.name', `llama-loom fixture ${opts.nEmbd}x${opts.nLayer} ${type} seed ${seed}`],
    ['llama.context_length', u32(nCtx)],
    ['llama.embedding_length', u32(opts.nEmbd)],
    ['llama.block_count', u32(opts.nLayer)],
    ['llama.feed_forward_length', u32(opts.nFf)],
    ['llama.rope.dimension_count', u32(opts.nEmbd / opts.nHead)],
    ['llama.attention.head_count', u32(opts.nHead)],
    ['llama.attention.head_count_kv', u32(opts.nHeadKv)],
    ['llama.attention.layer_norm_rms_epsilon', f32(rmsEps)],
    ['llama.rope.freq_base', f32(ropeTheta)],
    ['llama.vocab_size', u32(nVocab)],
    ['general.file_type', u32(fileType)],
  ]);
  if (type === 'q8_0' || type === 'q4_0') metadata.set('general.quantization_version', u32(2));
  for (const [k, v] of vocabEntries) metadata.set(k, v);

  const residualScale = 1 / Math.sqrt(2 * opts.nLayer);
  const plan = planTensors(opts, nVocab);
  const tensors: GgufTensorInput[] = plan.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.kind === 'norm') return { name: t.name, type: 'f32', shape: t.shape, data: () => new Float32Array(n).fill(1) };
    const std = t.kind === 'residual' ? initStd * residualScale : initStd;
    return { name: t.name, type, shape: t.shape, data: () => encodeTensor(type, new Rng(seed, t.name).normalArray(n, std)) };
  });
  await writeGguf(path, { metadata, tensors });
  return {
    nVocab,
    nParams: plan.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0),
    fileType,
    tensorNames: plan.map((t) => t.name),
  };
}
