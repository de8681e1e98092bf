import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRepoExtras } from '../../bench/extras.js';
import { formatReport, writeBenchFiles } from '../../bench/files.js';
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
  -h, --help                show this help`;

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

/** Maps the command line onto {@link BenchOptions} plus output settings. */
export function parseBenchArgs(args: string[]): { help: true } | { help: false; options: Omit<BenchOptions, 'repoRoot'>; out?: string; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true,
      options: {
        quick: { type: 'boolean' }, threads: { type: 'string', short: 't' }, repetitions: { type: 'string', short: 'r' },
        models: { type: 'string' }, contenders: { type: 'string' }, out: { type: 'string' },
        'omp-wait-policy': { type: 'string' }, 'job-timeout': { type: 'string' }, 'in-process': { type: 'boolean' }, json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
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
  return { help: false, options, ...(v.out !== undefined ? { out: v.out } : {}), json: v.json === true };
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
