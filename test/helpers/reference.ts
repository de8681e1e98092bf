// Runs the C API reference harness (native/reference/loom-ref-logits.cpp), built from the same
// llama.cpp tree but sharing no code with llama-loom.
import { execFileSync, spawnSync } from 'node:child_process';
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

/**
 * OpenMP threads that sleep instead of spinning while they wait: on a shared, oversubscribed
 * machine spinning makes the reference tools 10-100× slower; results are unaffected.
 */
export const REFERENCE_ENV = { ...process.env, OMP_WAIT_POLICY: 'passive' };

/**
 * Runs llama-perplexity on `file` and parses its final `PPL = X +/- Y` line (as printed strings).
 * It runs llama.cpp's unchanged perplexity code through loom-ref-perplexity, which only adds the
 * logger flush the stock tool lacks (its last lines can be lost at exit on a loaded machine).
 */
export function llamaPerplexity(model: string, file: string, args: string[]): { ppl: string; stderr: string } {
  let output = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = spawnSync(referenceTool('loom-ref-perplexity'), ['-m', model, '-f', file, ...args], { encoding: 'utf8', env: REFERENCE_ENV });
    output = `status ${r.status}, signal ${r.signal}\n${r.stdout}${r.stderr}`;
    const m = /Final estimate: PPL = (\d+\.\d+) \+\/- (\d+\.\d+)/.exec(r.stdout + r.stderr);
    if (m) return { ppl: m[1]!, stderr: m[2]! };
  }
  throw new Error(`llama-perplexity printed no final estimate:\n${output.slice(-2000)}`);
}
