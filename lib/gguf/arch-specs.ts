// Per-architecture knowledge for validateModelFile: which hyperparameters llama.cpp reads (and
// would abort or misbehave on), and which tensors with which shapes its loader creates.
// Add an architecture by adding an entry to ARCH_SPECS. Sources: src/llama-model.cpp
// (llama_model_base::load_hparams, create_tensor_qkv) and src/models/<arch>.cpp of llama.cpp.

/** A hyperparameter problem; validateModelFile turns it into `LoomError('INVALID_GGUF')`. */
export class SpecProblem extends Error {}

/** Reads typed hyperparameters of one file; each getter throws a {@link SpecProblem} on a bad value. */
export interface HparamReader {
  /** Full metadata key of an architecture key, e.g. `attention.head_count` → `llama.attention.head_count`. */
  k(key: string): string;
  /** A u32 scalar (`${arch}.${key}`); `undefined` when absent and not required. */
  u32(key: string, opts: { required: boolean; min?: number; max?: number }): number | undefined;
  /** A u32 scalar or a per-layer u32/i32 array of `nLayer` elements, returned per layer. */
  perLayer(key: string, nLayer: number, opts: { required: boolean; min?: number; fallback?: number[] }): number[] | undefined;
  /** A finite f32 scalar. */
  f32(key: string, opts: { required: boolean; gt?: number; min?: number }): number | undefined;
  /** A string scalar. */
  str(key: string, opts: { required: boolean; oneOf?: readonly string[] }): string | undefined;
}

/** A tensor the loader looks up, with the shape (ggml order) the hyperparameters imply. */
export interface TensorSpec {
  name: string;
  shape: number[];
  required: boolean;
  /** 1-D weights that ggml applies element-wise and so must hold floating-point values. */
  elementwise?: boolean;
}

/** How to check one architecture. */
export interface ArchSpec {
  /** Reads and cross-checks the hyperparameters; throws a {@link SpecProblem} naming the problem. */
  hparams(r: HparamReader): Record<string, unknown>;
  /** Tensors for these hyperparameters; `has` tells which optional tensors the file carries. */
  tensors(h: Record<string, unknown>, nVocab: number, has: (name: string) => boolean): TensorSpec[];
}

/** llama.cpp's `LLAMA_MAX_LAYERS` and `LLAMA_MAX_EXPERTS`; larger values trip GGML_ASSERTs. */
const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;
/** Values `llama_rope_scaling_type_from_string` accepts; anything else trips a GGML_ASSERT. */
export const ROPE_SCALING_TYPES = ['none', 'linear', 'yarn', 'longrope'] as const;

interface LlamaHparams {
  nCtx: number;
  nEmbd: number;
  nLayer: number;
  nFf: number[];
  nHead: number[];
  nHeadKv: number[];
  headK: number;
  headV: number;
  nRot: number;
  nExpert: number;
  ropeScaling: string;
}

function llamaHparams(r: HparamReader): LlamaHparams {
  const nCtx = r.u32('context_length', { required: true, min: 1 })!;
  const nEmbd = r.u32('embedding_length', { required: true, min: 1 })!;
  const nLayer = r.u32('block_count', { required: true, min: 1, max: MAX_LAYERS })!;
  const nFf = r.perLayer('feed_forward_length', nLayer, { required: true, min: 1 })!;
  const nHead = r.perLayer('attention.head_count', nLayer, { required: true, min: 1 })!;
  const nHeadKv = r.perLayer('attention.head_count_kv', nLayer, { required: false, min: 1, fallback: nHead })!;
  nHead.forEach((h, il) => {
    if (h % nHeadKv[il]! !== 0) throw new SpecProblem(`${r.k('attention.head_count_kv')} (${nHeadKv[il]}) must divide ${r.k('attention.head_count')} (${h}) in layer ${il}`);
  });
  const keyLength = r.u32('attention.key_length', { required: false, min: 1 });
  const valueLength = r.u32('attention.value_length', { required: false, min: 1 });
  if ((keyLength === undefined || valueLength === undefined) && nEmbd % nHead[0]! !== 0) {
    throw new SpecProblem(`${r.k('attention.head_count')} (${nHead[0]}) must divide ${r.k('embedding_length')} (${nEmbd})`);
  }
  const headK = keyLength ?? nEmbd / nHead[0]!;
  const headV = valueLength ?? nEmbd / nHead[0]!;
  const nRot = r.u32('rope.dimension_count', { required: false, min: 1 }) ?? headK;
  // load_hparams rejects n_rot != head size for llama, and the llama graph asserts it.
  if (nRot !== headK) throw new SpecProblem(`${r.k('rope.dimension_count')} (${nRot}) must equal the head size ${headK}`);
  if (nRot % 2 !== 0) throw new SpecProblem(`${r.k('rope.dimension_count')} (${nRot}) must be even`);
  if (headV !== headK) throw new SpecProblem(`${r.k('attention.value_length')} (${headV}) must equal ${r.k('attention.key_length')} (${headK})`);
  r.f32('attention.layer_norm_rms_epsilon', { required: true, gt: 0 });
  r.f32('rope.freq_base', { required: false, gt: 0 });
  r.f32('rope.scaling.factor', { required: false, min: 0 });
  const ropeScaling = r.str('rope.scaling.type', { required: false, oneOf: ROPE_SCALING_TYPES }) ?? 'linear';
  const nExpert = r.u32('expert_count', { required: false, min: 0, max: MAX_EXPERTS }) ?? 0;
  const nUsed = r.u32('expert_used_count', { required: false, min: 0 }) ?? 0;
  if (nUsed > nExpert) throw new SpecProblem(`${r.k('expert_used_count')} (${nUsed}) must not exceed ${r.k('expert_count')} (${nExpert})`);
  if (nExpert > 0 && nUsed === 0) throw new SpecProblem(`${r.k('expert_used_count')} must be positive when ${r.k('expert_count')} is ${nExpert}`);
  return { nCtx, nEmbd, nLayer, nFf, nHead, nHeadKv, headK, headV, nRot, nExpert, ropeScaling };
}

function llamaTensors(hp: Record<string, unknown>, nVocab: number, has: (name: string) => boolean): TensorSpec[] {
  const h = hp as unknown as LlamaHparams;
  const { nEmbd, headK, headV, nExpert } = h;
  const specs: TensorSpec[] = [
    { name: 'token_embd.weight', shape: [nEmbd, nVocab], required: true },
    { name: 'output_norm.weight', shape: [nEmbd], required: true, elementwise: true },
    { name: 'output.weight', shape: [nEmbd, nVocab], required: false },
  ];
  const ropeDims = [h.nRot / 2];
  if (h.ropeScaling === 'longrope') {
    specs.push({ name: 'rope_factors_long.weight', shape: ropeDims, required: false, elementwise: true });
    specs.push({ name: 'rope_factors_short.weight', shape: ropeDims, required: false, elementwise: true });
  } else {
    specs.push({ name: 'rope_freqs.weight', shape: ropeDims, required: false, elementwise: true });
  }
  for (let il = 0; il < h.nLayer; il++) {
    const b = `blk.${il}.`;
    const nQ = headK * h.nHead[il]!, nK = headK * h.nHeadKv[il]!, nV = headV * h.nHeadKv[il]!, nFf = h.nFf[il]!;
    const fused = has(b + 'attn_qkv.weight');
    specs.push(
      { name: b + 'attn_norm.weight', shape: [nEmbd], required: true, elementwise: true },
      { name: b + 'attn_qkv.weight', shape: [nEmbd, nQ + nK + nV], required: false },
      { name: b + 'attn_qkv.bias', shape: [nQ + nK + nV], required: false, elementwise: true },
      { name: b + 'attn_q.weight', shape: [nEmbd, nQ], required: !fused },
      { name: b + 'attn_k.weight', shape: [nEmbd, nK], required: !fused },
      { name: b + 'attn_v.weight', shape: [nEmbd, nV], required: !fused },
      { name: b + 'attn_q.bias', shape: [nQ], required: false, elementwise: true },
      { name: b + 'attn_k.bias', shape: [nK], required: false, elementwise: true },
      { name: b + 'attn_v.bias', shape: [nV], required: false, elementwise: true },
      { name: b + 'attn_output.weight', shape: [nQ, nEmbd], required: true },
      { name: b + 'attn_output.bias', shape: [nEmbd], required: false, elementwise: true },
      { name: b + 'ffn_norm.weight', shape: [nEmbd], required: true, elementwise: true },
    );
    if (nExpert === 0) {
      specs.push(
        { name: b + 'ffn_gate.weight', shape: [nEmbd, nFf], required: true },
        { name: b + 'ffn_down.weight', shape: [nFf, nEmbd], required: true },
        { name: b + 'ffn_up.weight', shape: [nEmbd, nFf], required: true },
        { name: b + 'ffn_gate.bias', shape: [nFf], required: false, elementwise: true },
        { name: b + 'ffn_down.bias', shape: [nEmbd], required: false, elementwise: true },
        { name: b + 'ffn_up.bias', shape: [nFf], required: false, elementwise: true },
      );
    } else {
      specs.push(
        { name: b + 'ffn_gate_inp.weight', shape: [nEmbd, nExpert], required: true },
        { name: b + 'ffn_gate_exps.weight', shape: [nEmbd, nFf, nExpert], required: false },
        { name: b + 'ffn_down_exps.weight', shape: [nFf, nEmbd, nExpert], required: true },
        { name: b + 'ffn_up_exps.weight', shape: [nEmbd, nFf, nExpert], required: true },
      );
    }
  }
  return specs;
}

/**
 * Checks every architecture gets, including those without an {@link ArchSpec}: the GGML_ASSERTs
 * of llama_model_base::load_hparams that run before any per-architecture code (layer count,
 * next-token-prediction layers, expert and expert-group counts) and the rope scaling type.
 */
export function genericHparams(r: HparamReader): void {
  const nLayer = r.u32('block_count', { required: false, min: 1, max: MAX_LAYERS });
  const nextn = r.u32('nextn_predict_layers', { required: false }) ?? 0;
  if (nLayer !== undefined && nextn > nLayer) throw new SpecProblem(`${r.k('nextn_predict_layers')} (${nextn}) must not exceed ${r.k('block_count')} (${nLayer})`);
  const nExpert = r.u32('expert_count', { required: false, max: MAX_EXPERTS }) ?? 0;
  const used = nLayer === undefined ? [r.u32('expert_used_count', { required: false }) ?? 0] : r.perLayer('expert_used_count', nLayer, { required: false, fallback: [0] })!;
  const usedMax = Math.max(...used);
  const groups = r.u32('expert_group_count', { required: false }) ?? 0;
  const groupUsed = r.u32('expert_group_used_count', { required: false }) ?? 0;
  if (usedMax > nExpert) throw new SpecProblem(`${r.k('expert_used_count')} (${usedMax}) must not exceed ${r.k('expert_count')} (${nExpert})`);
  if (nExpert > 0) {
    if (usedMax === 0) throw new SpecProblem(`${r.k('expert_used_count')} must be positive when ${r.k('expert_count')} is ${nExpert}`);
    if (groups >= nExpert) throw new SpecProblem(`${r.k('expert_group_count')} (${groups}) must be below ${r.k('expert_count')} (${nExpert})`);
    if (groups > 1 && (nExpert % groups !== 0 || groupUsed === 0 || groupUsed >= groups)) {
      throw new SpecProblem(`${r.k('expert_group_count')} (${groups}) must divide ${r.k('expert_count')} (${nExpert}), with ${r.k('expert_group_used_count')} (${groupUsed}) in [1, ${groups})`);
    }
  } else if (groups !== 0) {
    throw new SpecProblem(`${r.k('expert_group_count')} must be 0 without experts; found ${groups}`);
  }
  r.str('rope.scaling.type', { required: false, oneOf: ROPE_SCALING_TYPES });
}

/** Architectures validateModelFile understands, keyed by `general.architecture`. */
export const ARCH_SPECS: ReadonlyMap<string, ArchSpec> = new Map<string, ArchSpec>([
  ['llama', { hparams: (r) => llamaHparams(r) as unknown as Record<string, unknown>, tensors: llamaTensors }],
]);
