import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRepoExtras } from '../../bench/extras.js';
import { formatReport, writeBenchFiles } from '../../bench/files.js';
import { benchOverhead, formatOverhead, type OverheadOptions } from '../../bench/overhead.js';
import { CONTENDERS, runBench, type BenchOptions, type Contender } from '../../bench/run.js';
import { UsageError, type CliIo, type Command } from '../command.js';

const USAGE = `Usage: llama-loom bench [options]

Measures llama-loom against llama.cpp's llama-bench and node-llama-cpp on the same models, with the
same thread count, repetitions interleaved; prints a table and writes results.json and chart.svg.
Models: the embedded default model and random-weight llama models (125 M Q8_0; 1.1 B Q4_0 in the
full run) written once into .cache/bench-models/.

Options:
      --quick               smoke run: small models, one repetition, short generations
  -t, --threads N           threads for every contender (default: physical cores)
  -r, --repetitions N       runs per contender (default 5; quick: 1)
      --models IDS          comma-separated model ids (default, llama-125m, llama-1b)
      --contenders NAMES    comma-separated subset of ${CONTENDERS.join(', ')}
      --out DIR             where results.json and chart.svg go (default: bench/ of the checkout)
      --omp-wait-policy P   auto (default: passive when the load average exceeds the cores),
                            active, passive or default (OpenMP's own); all contenders get it
      --job-timeout S       stop a run after S seconds and skip that contender on that model (default 150)
      --in-process          run the jobs in this process instead of one process per run
      --json                print results.json to stdout instead of the table
  -h, --help                show this help

  llama-loom bench --overhead [-m model.gguf] [-t N] [--tokens N] [--seconds S] [--beams B] [--json]

Where a generated token's time goes, in this process on one context: llama.cpp's own greedy loop
against llama-loom's generation path one layer at a time (the JS loop of synchronous decodes,
reading each row, generate() with decodes inline and with the library default), and with --beams
(default 4; 0 skips) a B-row decode against a 1-row one and beam search against greedy. Turns
alternate round by round for S seconds (default 20; 4–40 rounds) of N tokens each (default 128).
Default model: the embedded one.`;

/** The package (or checkout) root: lib/cli/commands → three levels up, dist/cli/commands likewise. */
function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new UsageError(`--${name} must be a positive integer; received "${v}"`);
  return n;
}

/** What the command line asks for: help, the comparison run, or the in-process overhead breakdown. */
export type BenchArgs =
  | { help: true }
  | { help: false; overhead: false; options: Omit<BenchOptions, 'repoRoot'>; out?: string; json: boolean }
  | { help: false; overhead: true; overheadOptions: OverheadOptions; json: boolean };

/** Options that only one of the two modes takes, named in the error when mixed. */
const OVERHEAD_ONLY = ['model', 'tokens', 'seconds', 'beams'] as const;
const COMPARISON_ONLY = ['quick', 'repetitions', 'models', 'contenders', 'out', 'omp-wait-policy', 'job-timeout', 'in-process'] as const;

function nonNegativeInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer; received "${v}"`);
  return Number(v);
}

/** Maps the command line onto {@link BenchOptions} (or {@link OverheadOptions}) plus output settings. */
export function parseBenchArgs(args: string[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true,
      options: {
        quick: { type: 'boolean' }, threads: { type: 'string', short: 't' }, repetitions: { type: 'string', short: 'r' },
        models: { type: 'string' }, contenders: { type: 'string' }, out: { type: 'string' },
        'omp-wait-policy': { type: 'string' }, 'job-timeout': { type: 'string' }, 'in-process': { type: 'boolean' }, json: { type: 'boolean' },
        overhead: { type: 'boolean' }, model: { type: 'string', short: 'm' }, tokens: { type: 'string' }, seconds: { type: 'string' }, beams: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const given = (names: readonly string[]) => names.filter((n) => (v as Record<string, unknown>)[n] !== undefined);
  if (v.overhead) {
    const wrong = given(COMPARISON_ONLY);
    if (wrong.length > 0) throw new UsageError(`--overhead does not take --${wrong.join(', --')} (see llama-loom bench --help)`);
    const o: OverheadOptions = {};
    if (v.model !== undefined) o.model = v.model;
    const threads = positiveInt('threads', v.threads);
    if (threads !== undefined) o.threads = threads;
    const tokens = positiveInt('tokens', v.tokens);
    if (tokens !== undefined) {
      if (tokens < 2) throw new UsageError(`--tokens must be at least 2; received "${v.tokens}"`);
      o.tokens = tokens;
    }
    const seconds = nonNegativeInt('seconds', v.seconds);
    if (seconds !== undefined) o.budgetMs = seconds * 1000;
    const beams = nonNegativeInt('beams', v.beams);
    if (beams !== undefined) {
      if (beams === 1 || beams > 64) throw new UsageError(`--beams must be 0 (skip) or 2–64; received "${v.beams}"`);
      o.beams = beams;
    }
    return { help: false, overhead: true, overheadOptions: o, json: v.json === true };
  }
  const stray = given(OVERHEAD_ONLY);
  if (stray.length > 0) throw new UsageError(`--${stray.join(', --')} ${stray.length > 1 ? 'go' : 'goes'} with --overhead only (see llama-loom bench --help)`);
  const options: Omit<BenchOptions, 'repoRoot'> = { quick: v.quick === true };
  const threads = positiveInt('threads', v.threads);
  if (threads !== undefined) options.threads = threads;
  const reps = positiveInt('repetitions', v.repetitions);
  if (reps !== undefined) options.repetitions = reps;
  if (v.models !== undefined) options.models = v.models.split(',').map((s) => s.trim()).filter(Boolean);
  if (v.contenders !== undefined) {
    const list = v.contenders.split(',').map((s) => s.trim()).filter(Boolean);
    for (const c of list) if (!(CONTENDERS as readonly string[]).includes(c)) throw new UsageError(`--contenders: unknown contender "${c}" (expected ${CONTENDERS.join(', ')})`);
    options.contenders = list as Contender[];
  }
  const omp = v['omp-wait-policy'];
  if (omp !== undefined) {
    if (!['auto', 'active', 'passive', 'default'].includes(omp)) throw new UsageError(`--omp-wait-policy must be auto, active, passive or default; received "${omp}"`);
    options.ompWaitPolicy = omp as NonNullable<BenchOptions['ompWaitPolicy']>;
  }
  const jobTimeout = positiveInt('job-timeout', v['job-timeout']);
  if (jobTimeout !== undefined) options.jobTimeoutSeconds = jobTimeout;
  if (v['in-process']) options.isolate = false;
  return { help: false, overhead: false, options, ...(v.out !== undefined ? { out: v.out } : {}), json: v.json === true };
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark llama-loom against llama-bench and node-llama-cpp',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseBenchArgs(args);
    if (parsed.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (parsed.overhead) {
      const r = await benchOverhead(parsed.overheadOptions);
      io.stdout.write(parsed.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatOverhead(r)}\n`);
      return 0;
    }
    const root = packageRoot();
    const out = parsed.out ?? (existsSync(join(root, 'bench')) ? join(root, 'bench') : resolve('llama-loom-bench'));
    const log = (line: string) => io.stderr.write(`${line}\n`);
    const extras = await loadRepoExtras(root, parsed.options.quick === true);
    const results = await runBench({ ...parsed.options, repoRoot: root, extras, log });
    const files = await writeBenchFiles(results, out);
    if (parsed.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else io.stdout.write(`\n${formatReport(results)}\n\nwrote ${files.json} and ${files.svg}\n`);
    return 0;
  },
};
