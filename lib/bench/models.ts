// The models the benchmark runs: the embedded default model (or a random-weight stand-in of the
// same shape while it does not exist) and random-weight llama models of realistic shapes, written
// once into an ignored cache folder. Random weights cost exactly what trained ones cost to run.
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelPath } from '../default-model.js';
import { writeLlamaFixture, type LlamaFixtureOptions } from '../gguf/llama-fixture.js';
import type { GgufMetadataInput } from '../gguf/metadata-encode.js';
import { tinyVocab } from '../gguf/tiny-vocab.js';
import { LLAMA_TOKEN_TYPES } from '../gguf/types.js';
import { writeGguf } from '../gguf/writer.js';
import { checkString } from '../validate.js';

/** One benchmark model and the workload sizes used on it. */
export interface BenchModelSpec {
  /** Short id used in tables and results.json. */
  id: string;
  /** What it is, in words. */
  description: string;
  /** Prompt tokens of the prompt-processing test (llama-bench `-p`). */
  promptTokens: number;
  /** Generated tokens of the generation test (llama-bench `-n`). */
  genTokens: number;
  /** Whether the model belongs to the quick run. */
  quick: boolean;
  /** Whether llama-loom's goal for greedy tg ÷ llama-bench tg is the ≥ 100 M one (0.97) or the tiny one (0.85). */
  large: boolean;
  /** How the file is obtained: an existing path, or a fixture written on first use. */
  source: { kind: 'file'; path: string } | { kind: 'fixture'; file: string; options: Omit<LlamaFixtureOptions, 'vocab'>; vocab: 'spm32k' | 'padded2k' };
}

/** A model ready to run. */
export interface BenchModel extends BenchModelSpec {
  path: string;
  fileBytes: number;
}

/** Where the llama SentencePiece 32 k vocabulary ships inside the llama.cpp sources. */
export function spmVocabPath(repoRoot: string): string {
  return join(repoRoot, 'deps', 'llama.cpp', 'models', 'ggml-vocab-llama-spm.gguf');
}

/** Bump when a fixture's recipe changes, so stale cached files are not reused. */
const RECIPE_VERSION = 1;

/**
 * The benchmark's models. `default` is the embedded model when present, else a stand-in with its
 * shape (n_embd 256, 4 layers, 4 heads, n_ff 688, ctx 256, 2 048-token vocabulary); `llama-125m`
 * is a GPT-2-small-sized llama with the 32 k llama vocabulary in Q8_0; `llama-1b` has TinyLlama
 * 1.1 B's shape (22 layers, 2 048 wide, 4 KV heads) in Q4_0 and runs only in the full benchmark.
 */
export function benchModelSpecs(repoRoot: string): BenchModelSpec[] {
  const embedded = defaultModelPath();
  const defaultSpec: BenchModelSpec = existsSync(embedded)
    ? { id: 'default', description: 'embedded llama-loom-brown-4m (f16)', promptTokens: 128, genTokens: 128, quick: true, large: false, source: { kind: 'file', path: embedded } }
    : {
        id: 'default', description: 'stand-in for llama-loom-brown-4m: 4 M params, random weights (f16)', promptTokens: 128, genTokens: 128, quick: true, large: false,
        source: {
          kind: 'fixture', file: `brown-4m-shape-f16.v${RECIPE_VERSION}.gguf`, vocab: 'padded2k',
          options: { nEmbd: 256, nLayer: 4, nHead: 4, nHeadKv: 4, nFf: 688, nCtx: 256, type: 'f16', seed: 1 },
        },
      };
  return [
    defaultSpec,
    {
      id: 'llama-125m', description: '134 M-param llama, 32 k SPM vocab, random weights (Q8_0)', promptTokens: 512, genTokens: 128, quick: true, large: true,
      source: {
        kind: 'fixture', file: `llama-125m-q8_0.v${RECIPE_VERSION}.gguf`, vocab: 'spm32k',
        options: { nEmbd: 768, nLayer: 12, nHead: 12, nHeadKv: 12, nFf: 2048, nCtx: 2048, type: 'q8_0', seed: 1 },
      },
    },
    {
      id: 'llama-1b', description: '1.1 B-param llama (TinyLlama shape), 32 k SPM vocab, random weights (Q4_0)', promptTokens: 128, genTokens: 32, quick: false, large: true,
      source: {
        kind: 'fixture', file: `llama-1b-q4_0.v${RECIPE_VERSION}.gguf`, vocab: 'spm32k',
        options: { nEmbd: 2048, nLayer: 22, nHead: 32, nHeadKv: 4, nFf: 5632, nCtx: 2048, type: 'q4_0', seed: 1 },
      },
    },
  ];
}

/** Writes a vocabulary-only GGUF: the tiny test vocabulary padded with plain pieces to `size` tokens. */
async function writePaddedVocab(path: string, size: number): Promise<void> {
  const v = tinyVocab();
  const tokens = [...v.tokens];
  const scores = Array.from(v.scores);
  const types = Array.from(v.tokenTypes);
  // Padding pieces are never produced by merges (their scores sit below every real merge), so
  // tokenization is unchanged; they only widen the output layer to the stand-in's size.
  for (let i = tokens.length; i < size; i++) {
    tokens.push(`<pad_${i}>`);
    scores.push(-1e6 - i);
    types.push(LLAMA_TOKEN_TYPES.NORMAL);
  }
  const metadata = new Map<string, GgufMetadataInput>([
    ['general.architecture', 'llama'],
    ['tokenizer.ggml.model', 'llama'],
    ['tokenizer.ggml.pre', 'default'],
    ['tokenizer.ggml.tokens', tokens],
    ['tokenizer.ggml.scores', Float32Array.from(scores)],
    ['tokenizer.ggml.token_type', Int32Array.from(types)],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.add_bos_token', true],
    ['tokenizer.ggml.add_eos_token', false],
  ]);
  await writeGguf(path, { metadata });
}

/**
 * Returns the model's path, writing the fixture into `cacheDir` first when it is not there yet
 * (a private temporary file renamed into place, so an interrupted run leaves nothing half-written).
 */
export async function ensureBenchModel(spec: BenchModelSpec, repoRoot: string, cacheDir: string, log: (line: string) => void = () => {}): Promise<BenchModel> {
  checkString('repoRoot', repoRoot, { nonEmpty: true });
  checkString('cacheDir', cacheDir, { nonEmpty: true });
  let path: string;
  if (spec.source.kind === 'file') {
    path = spec.source.path;
  } else {
    path = join(cacheDir, spec.source.file);
    if (!existsSync(path)) {
      await mkdir(cacheDir, { recursive: true });
      const t0 = performance.now();
      log(`writing ${spec.id} (${spec.description}) to ${path} …`);
      const tmpDir = await mkdtemp(join(tmpdir(), 'loom-bench-'));
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        let vocabPath = spmVocabPath(repoRoot);
        if (spec.source.vocab === 'padded2k') {
          vocabPath = join(tmpDir, 'vocab.gguf');
          await writePaddedVocab(vocabPath, 2048);
        }
        await writeLlamaFixture(tmp, { ...spec.source.options, vocab: { kind: 'gguf', path: vocabPath } });
        await rename(tmp, path);
      } finally {
        await rm(tmp, { force: true });
        await rm(tmpDir, { recursive: true, force: true });
      }
      log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  return { ...spec, path, fileBytes: statSync(path).size };
}
