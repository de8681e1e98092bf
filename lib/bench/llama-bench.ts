// llama.cpp's own benchmark, `llama-bench`, as a contender: one process per repetition (so it
// interleaves with the others), JSON output parsed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LoomError } from '../errors.js';
import { runProcess } from './process-run.js';

/** One llama-bench repetition. */
export interface LlamaBenchRun {
  /** pp test: prompt tokens per second (null when the prompt test was not run). */
  promptTokensPerSecond: number | null;
  /** tg test: generated tokens per second. */
  genTokensPerSecond: number;
  peakRssBytes: number | null;
  /** Build commit llama-bench reports. */
  buildCommit: string;
}

/** Where `npm run build:reference` puts llama.cpp's tools. */
export function referenceToolPath(repoRoot: string, name: string): string {
  return join(repoRoot, 'build', 'bin', process.platform === 'win32' ? `${name}.exe` : name);
}

interface LlamaBenchRecord {
  build_commit?: string;
  n_prompt: number;
  n_gen: number;
  avg_ts: number;
  samples_ts?: number[];
}

/** Parses `llama-bench -o json` output (an array of test records) into pp and tg rates. */
export function parseLlamaBenchJson(text: string): { pp: number | null; tg: number | null; commit: string } {
  const start = text.indexOf('[');
  if (start < 0) throw new LoomError('INTERNAL', `llama-bench printed no JSON array: ${text.slice(0, 200)}`);
  const records = JSON.parse(text.slice(start)) as LlamaBenchRecord[];
  let pp: number | null = null;
  let tg: number | null = null;
  let commit = '';
  for (const r of records) {
    commit ||= r.build_commit ?? '';
    if (r.n_prompt > 0 && r.n_gen === 0) pp = r.avg_ts;
    else if (r.n_gen > 0 && r.n_prompt === 0) tg = r.avg_ts;
  }
  return { pp, tg, commit };
}

/** Runs one repetition of `llama-bench -p promptTokens -n genTokens -t threads -r 1`. */
export async function runLlamaBench(bin: string, modelPath: string, o: { promptTokens: number; genTokens: number; threads: number }, timeoutMs = 600_000): Promise<LlamaBenchRun> {
  if (!existsSync(bin)) throw new LoomError('NOT_FOUND', `${bin} is missing; build it with npm run build:reference`);
  const args = ['-m', modelPath, '-p', String(o.promptTokens), '-n', String(o.genTokens), '-t', String(o.threads), '-r', '1', '-o', 'json'];
  const r = await runProcess(bin, args, { timeoutMs });
  if (r.code !== 0) throw new LoomError('INTERNAL', `llama-bench ${r.signal === 'SIGKILL' ? `took longer than ${timeoutMs / 1000} s` : `exited with ${r.code ?? r.signal}`}: ${r.stderr.trim().split('\n').slice(-3).join('\n')}`);
  const parsed = parseLlamaBenchJson(r.stdout);
  if (parsed.tg === null) throw new LoomError('INTERNAL', `llama-bench reported no generation test: ${r.stdout.slice(0, 200)}`);
  return { promptTokensPerSecond: parsed.pp, genTokensPerSecond: parsed.tg, peakRssBytes: r.peakRssBytes, buildCommit: parsed.commit };
}
