// Locations the tests share: the unpacked llama.cpp tree and the reference tools built from it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const llamaDir = join(repoRoot, 'deps', 'llama.cpp');
export const vocabDir = join(llamaDir, 'models');

/** Path of a reference executable built from the same llama.cpp tree (build/bin). */
export function referenceTool(name: 'llama-perplexity' | 'llama-completion' | 'llama-bench' | 'loom-ref-logits' | 'loom-ref-perplexity' | 'loom-ref-tg'): string {
  const p = join(repoRoot, 'build', 'bin', name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run build:reference`);
  return p;
}
