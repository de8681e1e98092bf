// llama.cpp's own cost of advancing several sequences at once, from its `llama-batched-bench`:
// the independent reference for what a beam search step can cost next to a greedy step.
import { existsSync } from 'node:fs';
import { LoomError } from '../errors.js';
import { runProcess } from './process-run.js';

/** One llama-batched-bench repetition: per-step generation time with 1 and with 4 sequences. */
export interface BatchedBenchRun {
  /** Milliseconds per generation step, one sequence. */
  oneSequenceStepMs: number;
  /** Milliseconds per generation step, four sequences decoded together (one token each). */
  fourSequenceStepMs: number;
}

interface BatchedRecord {
  tg: number;
  pl: number;
  t_tg: number;
}

/** Parses `llama-batched-bench --output-format jsonl` into seconds per tg step, by sequence count (first record of each count). */
export function parseBatchedBenchJsonl(text: string): Map<number, number> {
  const steps = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as BatchedRecord;
    const valid = typeof r.pl === 'number' && typeof r.tg === 'number' && r.tg > 0 && typeof r.t_tg === 'number';
    if (valid && !steps.has(r.pl)) steps.set(r.pl, r.t_tg / r.tg);
  }
  return steps;
}

/**
 * Runs `llama-batched-bench` once: a one-token shared prompt, then `genTokens` steps with 1 and
 * with 4 parallel sequences in one unified KV cache (how llama-loom lays out beams). The tool
 * prints through llama.cpp's asynchronous logger, which can lose its last line at exit, so a
 * third run follows whose line is not needed.
 */
export async function runBatchedBench(bin: string, modelPath: string, o: { genTokens: number; threads: number }, timeoutMs = 600_000): Promise<BatchedBenchRun> {
  if (!existsSync(bin)) throw new LoomError('NOT_FOUND', `${bin} is missing; build it with npm run build:reference`);
  const ctx = String(4 * (o.genTokens + 2) + 16);
  const args = ['-m', modelPath, '-c', ctx, '-b', '512', '-ub', '512', '-npp', '1', '-ntg', String(o.genTokens), '-npl', '1,4,1', '-pps', '-kvu', '-t', String(o.threads), '--output-format', 'jsonl'];
  const r = await runProcess(bin, args, { timeoutMs });
  if (r.code !== 0) throw new LoomError('INTERNAL', `llama-batched-bench ${r.signal === 'SIGKILL' ? `took longer than ${timeoutMs / 1000} s` : `exited with ${r.code ?? r.signal}`}: ${r.stderr.trim().split('\n').slice(-3).join('\n')}`);
  const steps = parseBatchedBenchJsonl(r.stdout);
  const one = steps.get(1);
  const four = steps.get(4);
  if (one === undefined || four === undefined) throw new LoomError('INTERNAL', `llama-batched-bench reported no 1- and 4-sequence runs: ${r.stdout.slice(0, 200)}`);
  return { oneSequenceStepMs: one * 1000, fourSequenceStepMs: four * 1000 };
}
