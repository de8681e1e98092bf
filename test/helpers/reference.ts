// Runs the C API reference harness (native/reference/loom-ref-logits.cpp), built from the same
// llama.cpp tree but sharing no code with llama-loom.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceTool } from './paths.js';

/** Logits of every position of `tokens`, decoded as one batch: rows of `vocabSize` floats. */
export function referenceLogits(model: string, tokens: ArrayLike<number>, vocabSize: number, threads = 2, nCtx = 256): Float32Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'loom-ref-'));
  try {
    const out = join(dir, 'logits.f32');
    execFileSync(referenceTool('loom-ref-logits'), ['logits', model, out, String(threads), String(nCtx), ...Array.from(tokens, String)]);
    const buf = readFileSync(out);
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    return Array.from({ length: tokens.length }, (_, i) => all.slice(i * vocabSize, (i + 1) * vocabSize));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** llama.cpp-side greedy continuation (argmax of raw logits) of `tokens`. */
export function referenceGreedy(model: string, tokens: ArrayLike<number>, nNew: number, threads = 2, nCtx = 256): number[] {
  const out = execFileSync(referenceTool('loom-ref-logits'), ['greedy', model, String(nNew), String(threads), String(nCtx), ...Array.from(tokens, String)], { encoding: 'utf8' });
  return out.trim().split(/\s+/).map(Number);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
