// A ~100 MB f32 llama model for tests that need a load, a prompt or a decode to take long
// enough to be interrupted. Written once into .cache/fixtures/ by a plain node process (jest's
// VM realm makes the Math calls of the weight generator slow).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDist } from './dist.js';
import { REPO_ROOT } from './fuzz-runner.js';

/** Dimensions of the big fixture: 8 layers of width 512, about 26 M parameters. */
export const BIG_MODEL = { nEmbd: 512, nLayer: 8, nHead: 8, nHeadKv: 8, nFf: 1408, nCtx: 4096, seed: 7, type: 'f32', vocab: { kind: 'tiny' } } as const;

/** Path of the big fixture, writing it first when it is not cached. */
export function bigModelPath(): string {
  const path = join(REPO_ROOT, '.cache', 'fixtures', 'reliability-big-f32.v1.gguf');
  if (existsSync(path)) return path;
  ensureDist(REPO_ROOT);
  mkdirSync(join(REPO_ROOT, '.cache', 'fixtures'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const lib = pathToFileURL(join(REPO_ROOT, 'dist', 'gguf', 'llama-fixture.js')).href;
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e',
      `const { writeLlamaFixture } = await import(${JSON.stringify(lib)}); await writeLlamaFixture(${JSON.stringify(tmp)}, ${JSON.stringify(BIG_MODEL)});`,
    ], { stdio: 'pipe' });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}
