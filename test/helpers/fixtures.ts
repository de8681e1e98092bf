// Shared test model files, written once into <repo>/.cache/fixtures/ and reused.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLlamaFixture, type LlamaFixtureOptions } from '../../lib/gguf/llama-fixture.js';

/** Names of the shared fixture models. */
export type FixtureName = 'tiny-f32' | 'tiny-f16' | 'tiny-q8_0' | 'tiny-q4_0' | 'spm32k-f16' | 'wide-q8_0' | 'wide-q4_0';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Directory holding the cached fixtures (git-ignored). */
export const FIXTURE_DIR = join(REPO_ROOT, '.cache', 'fixtures');
/** The 32 000-token LLaMA SentencePiece vocabulary shipped with llama.cpp. */
export const LLAMA_SPM_VOCAB = join(REPO_ROOT, 'deps', 'llama.cpp', 'models', 'ggml-vocab-llama-spm.gguf');
/** Bump when the fixture generator changes so stale cached files are not reused. */
const FIXTURE_VERSION = 1;

const TINY = { nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 256, seed: 1, vocab: { kind: 'tiny' } } as const;
// Every weight 1 024 wide in K: wide enough for ggml's AMX buffer (it takes K % 1024 == 0), so on
// AMX CPUs these run the quantized AMX/VNNI kernels the tiny fixtures never reach.
const WIDE = { nEmbd: 1024, nLayer: 1, nHead: 8, nHeadKv: 8, nFf: 1024, nCtx: 256, seed: 3, vocab: { kind: 'tiny' } } as const;

/** The options each fixture is written with. */
export const FIXTURE_OPTIONS: Readonly<Record<FixtureName, LlamaFixtureOptions>> = {
  'tiny-f32': { ...TINY, type: 'f32' },
  'tiny-f16': { ...TINY, type: 'f16' },
  'tiny-q8_0': { ...TINY, type: 'q8_0' },
  'tiny-q4_0': { ...TINY, type: 'q4_0' },
  'wide-q8_0': { ...WIDE, type: 'q8_0' },
  'wide-q4_0': { ...WIDE, type: 'q4_0' },
  'spm32k-f16': {
    nEmbd: 128, nLayer: 2, nHead: 4, nHeadKv: 4, nFf: 256, nCtx: 512, seed: 1, type: 'f16',
    vocab: { kind: 'gguf', path: LLAMA_SPM_VOCAB },
  },
};

/**
 * Path of a fixture model, writing it first if it is not cached. Safe when several jest
 * workers ask at once: each writes a private temporary file and renames it into place.
 */
export async function fixturePath(name: FixtureName): Promise<string> {
  const opts = FIXTURE_OPTIONS[name];
  if (!opts) throw new RangeError(`unknown fixture ${JSON.stringify(name)}`);
  const path = join(FIXTURE_DIR, `${name}.v${FIXTURE_VERSION}.gguf`);
  if (existsSync(path)) return path;
  await mkdir(FIXTURE_DIR, { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeLlamaFixture(tmp, opts);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}
