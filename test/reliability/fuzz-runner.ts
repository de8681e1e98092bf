// Runs model files through test/reliability/fuzz-child.mjs, one child process for many files,
// restarting it after a crash or a hang from the next file, and drives whole fuzz campaigns
// (generate a batch of mutants, run it, delete it). Shared by fuzz.test.ts and scripts/fuzz.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSource, writeMutant, type Mutant, type MutationSource } from './mutations.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root; this file also runs compiled from .cache/reliability-build/test/reliability. */
export const REPO_ROOT = HERE.includes(`${join('.cache', 'reliability-build')}`) ? resolve(HERE, '..', '..', '..', '..') : resolve(HERE, '..', '..');
const CHILD = join(REPO_ROOT, 'test', 'reliability', 'fuzz-child.mjs');
const DIST_INDEX = join(REPO_ROOT, 'dist', 'index.js');

/** What happened to one file. */
export type FileOutcome =
  | { outcome: 'loaded'; vocab: number; logits: number; finite: boolean }
  | { outcome: 'refused'; stage: string; code: string; message: string }
  | { outcome: 'error'; stage: string; name: string; message: string }
  | { outcome: 'crash'; signal: string | null; exitCode: number | null; stderr: string }
  | { outcome: 'hang'; stderr: string };

/** Options of {@link runFiles}. */
export interface RunFilesOptions {
  /** Run the pre-load validator (default true); false shows what llama.cpp alone does with the files. */
  validate?: boolean;
  /** A file taking longer than this (load, context, decode) counts as a hang. Default 30 s. */
  timeoutMs?: number;
  onOutcome?: (index: number, outcome: FileOutcome) => void;
}

/** Loads every file in child processes; returns one outcome per file, in order. */
export async function runFiles(files: readonly string[], options: RunFilesOptions = {}): Promise<FileOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const scratch = mkdtempSync(join(tmpdir(), 'loom-fuzz-list-'));
  const list = join(scratch, 'files.json');
  writeFileSync(list, JSON.stringify(files));
  const outcomes: FileOutcome[] = new Array(files.length);
  try {
    let start = 0;
    while (start < files.length) {
      const { next, failure, stderr } = await runChild(list, start, options.validate !== false, timeoutMs, outcomes, options.onOutcome);
      if (failure !== undefined) {
        outcomes[failure.index] = failure.outcome;
        options.onOutcome?.(failure.index, failure.outcome);
        start = failure.index + 1;
      } else if (next < files.length) {
        throw new Error(`fuzz child stopped before file ${next} without a crash to blame:\n${stderr}`);
      } else start = next;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return outcomes;
}

interface ChildResult {
  /** First index the child did not finish. */
  next: number;
  failure?: { index: number; outcome: FileOutcome };
  stderr: string;
}

function runChild(
  list: string, start: number, validate: boolean, timeoutMs: number, outcomes: FileOutcome[],
  onOutcome: RunFilesOptions['onOutcome'],
): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CHILD, list, String(start), validate ? '1' : '0', DIST_INDEX], {
      stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT,
    });
    let current = -1;
    let next = start;
    let hung = false;
    let stderr = '';
    let buffered = '';
    // Startup (importing the library and the addon) gets the same allowance as one file.
    let timer = setTimeout(onTimeout, timeoutMs * 2);
    function onTimeout(): void {
      hung = true;
      child.kill('SIGKILL');
    }
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^@@(begin|end) (\d+)(?: (.*))?$/.exec(line);
        if (!m) continue;
        const index = Number(m[2]);
        clearTimeout(timer);
        timer = setTimeout(onTimeout, timeoutMs);
        if (m[1] === 'begin') {
          current = index;
        } else {
          outcomes[index] = JSON.parse(m[3]!) as FileOutcome;
          onOutcome?.(index, outcomes[index]!);
          current = -1;
          next = index + 1;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (current < 0) {
        resolvePromise({ next, stderr });
        return;
      }
      const outcome: FileOutcome = hung ? { outcome: 'hang', stderr } : { outcome: 'crash', signal, exitCode, stderr };
      resolvePromise({ next, failure: { index: current, outcome }, stderr });
    });
  });
}

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  count: number;
  seed: number;
  /** Fixture names and paths to derive mutants from. */
  sources: ReadonlyArray<{ name: string; path: string }>;
  validate?: boolean;
  timeoutMs?: number;
  /** Mutants generated, run and deleted together (bounds disk use). Default 250. */
  batchSize?: number;
  /** Run only these mutant indices (reproduce a failure). */
  only?: readonly number[];
  onResult?: (mutant: Mutant, outcome: FileOutcome) => void;
}

/** One fuzzed file and what happened to it. */
export interface FuzzResult {
  mutant: Mutant;
  outcome: FileOutcome;
}

/** Generates `count` mutants of `seed` in batches, runs each batch in child processes, returns every result. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult[]> {
  const sources: MutationSource[] = [];
  for (const s of options.sources) sources.push(await loadSource(s.name, s.path));
  const indices = options.only ? [...options.only] : Array.from({ length: options.count }, (_, i) => i);
  const batchSize = options.batchSize ?? 250;
  const results: FuzzResult[] = [];
  for (let b = 0; b < indices.length; b += batchSize) {
    const dir = mkdtempSync(join(tmpdir(), 'loom-fuzz-'));
    try {
      const mutants: Mutant[] = [];
      for (const i of indices.slice(b, b + batchSize)) mutants.push(await writeMutant(sources, options.seed, i, dir));
      const outcomes = await runFiles(mutants.map((m) => m.path), {
        validate: options.validate,
        timeoutMs: options.timeoutMs,
        onOutcome: (i, o) => options.onResult?.(mutants[i]!, o),
      });
      mutants.forEach((mutant, i) => results.push({ mutant, outcome: outcomes[i]! }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

/** Counts of outcomes, refusal codes and categories, for reports. */
export function summarize(results: readonly FuzzResult[]): {
  total: number; outcomes: Record<string, number>; codes: Record<string, number>; categories: Record<string, Record<string, number>>;
} {
  const outcomes: Record<string, number> = {};
  const codes: Record<string, number> = {};
  const categories: Record<string, Record<string, number>> = {};
  for (const { mutant, outcome } of results) {
    outcomes[outcome.outcome] = (outcomes[outcome.outcome] ?? 0) + 1;
    if (outcome.outcome === 'refused') codes[outcome.code] = (codes[outcome.code] ?? 0) + 1;
    const c = (categories[mutant.category] ??= {});
    c[outcome.outcome] = (c[outcome.outcome] ?? 0) + 1;
  }
  return { total: results.length, outcomes, codes, categories };
}
