// The untrained starting point of the embedded default model: a random-weight llama GGUF that
// carries a vocabulary trained by lib/train/tokenizer.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLlamaFixture } from '../gguf/llama-fixture.js';
import type { GgufMetadataInput } from '../gguf/metadata-encode.js';
import { writeGguf } from '../gguf/writer.js';
import { checkInteger, checkNumber, checkObject, checkString } from '../validate.js';
import { toGgufMetadata, type TokenizerMetadataValue } from './tokenizer/gguf-metadata.js';
import type { SpmVocab } from './tokenizer/vocab.js';

/** Shape and initialisation of the starting model. Defaults give the ~4.2 M-parameter Brown model. */
export interface InitialModelOptions {
  /** Width of the residual stream; default 256. */
  nEmbd?: number;
  /** Transformer blocks; default 4. */
  nLayer?: number;
  /** Attention heads (keys/values use as many); default 4. */
  nHead?: number;
  /** Hidden width of the SwiGLU feed-forward; default 688 (≈ 8/3 · 256, rounded to a multiple of 16). */
  nFf?: number;
  /** Training context length recorded in the file; default 256. */
  nCtx?: number;
  /** Standard deviation of the N(0, σ²) weights; default 0.02 (residual projections get σ/√(2·nLayer)). */
  initStd?: number;
  /** Seed of the weight generator; default 1. */
  seed?: number;
}

/** The defaults of {@link InitialModelOptions}, resolved. */
export const DEFAULT_INITIAL_MODEL: Readonly<Required<InitialModelOptions>> = {
  nEmbd: 256, nLayer: 4, nHead: 4, nFf: 688, nCtx: 256, initStd: 0.02, seed: 1,
};

/** What {@link writeInitialModel} wrote. */
export interface InitialModelInfo {
  /** Elements over all tensors (the model's parameter count). */
  nParams: number;
  nVocab: number;
  /** The resolved shape and initialisation. */
  options: Required<InitialModelOptions>;
}

function toWriterValue(v: TokenizerMetadataValue): GgufMetadataInput {
  switch (v.type) {
    case 'string': return { type: 'str', value: v.value };
    case 'uint32': return { type: 'u32', value: v.value };
    case 'bool': return { type: 'bool', value: v.value };
    case 'array':
      if (v.itemType === 'string') return { type: 'arr', arrayType: 'str', value: [...v.value] };
      return v.value; // Float32Array → f32 array, Int32Array → i32 array
  }
}

/**
 * Writes a llama-architecture GGUF with all-f32 random weights (untied output projection, RMSNorm
 * weights 1, other weights N(0, initStd²), attn_output/ffn_down scaled by 1/√(2·nLayer)) and the
 * given SPM vocabulary as its tokenizer. The weights come from lib/gguf's fixture generator, so
 * the same seed gives the same file.
 */
export async function writeInitialModel(path: string, vocab: SpmVocab, options: InitialModelOptions = {}): Promise<InitialModelInfo> {
  checkString('path', path, { nonEmpty: true });
  checkObject('options', options);
  const o: Required<InitialModelOptions> = { ...DEFAULT_INITIAL_MODEL, ...options };
  checkInteger('options.nEmbd', o.nEmbd, { min: 8, max: 1 << 16 });
  checkInteger('options.nLayer', o.nLayer, { min: 1, max: 256 });
  checkInteger('options.nHead', o.nHead, { min: 1, max: o.nEmbd });
  checkInteger('options.nFf', o.nFf, { min: 1, max: 1 << 20 });
  checkInteger('options.nCtx', o.nCtx, { min: 1, max: 1 << 24 });
  checkNumber('options.initStd', o.initStd, { gt: 0, max: 1 });
  checkInteger('options.seed', o.seed, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const tokenizer = toGgufMetadata(vocab);

  // The fixture generator copies `tokenizer.*` keys from an existing GGUF: give it a vocabulary-only file.
  const dir = await mkdtemp(join(tmpdir(), 'loom-init-'));
  try {
    const vocabPath = join(dir, 'vocab.gguf');
    const metadata = new Map<string, GgufMetadataInput>([['general.architecture', 'llama']]);
    for (const { key, value } of tokenizer) metadata.set(key, toWriterValue(value));
    await writeGguf(vocabPath, { metadata });
    const info = await writeLlamaFixture(path, {
      nEmbd: o.nEmbd, nLayer: o.nLayer, nHead: o.nHead, nHeadKv: o.nHead, nFf: o.nFf, nCtx: o.nCtx,
      type: 'f32', seed: o.seed, initStd: o.initStd, tiedOutput: false, vocab: { kind: 'gguf', path: vocabPath },
    });
    return { nParams: info.nParams, nVocab: info.nVocab, options: o };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
