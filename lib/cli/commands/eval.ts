import { loadModel } from '../../model.js';
import { resolveModel } from '../../default-model.js';
import { DatasetError, loadJsonlDataset } from '../../eval/dataset.js';
import { evaluate } from '../../eval/harness.js';
import { parseStrategy, STRATEGY_SPECS, type EvalStrategy } from '../../eval/strategy.js';
import { evalReportToJson, formatEvalTable } from '../../eval/table.js';
import { parseCommandArgs, parseNumberFlag } from '../../metrics/cli-support.js';
import { createProgressBar } from '../progress.js';
import { UsageError, type CliIo, type Command } from '../command.js';

const USAGE = `Usage: llama-loom eval --data set.jsonl [--strategy SPEC ...] [options]

Generates a continuation of every prompt with each decoding strategy and scores it against the
references (corpus BLEU, chrF, mean ROUGE-1/2/L F), with mean length and speed; also reports
the perplexity of the references given the prompts. set.jsonl holds one object per line:
{"prompt": "...", "reference": "..."} or {"prompt": "...", "references": ["...", "..."]}.

Options:
  -m, --model SPEC          path, cached name, URL or hf:owner/repo/file.gguf (default: embedded model)
      --data FILE           the JSONL dataset (required)
      --strategy SPEC       ${STRATEGY_SPECS.join(' | ')}; repeatable (default: greedy)
  -n, --max-new-tokens N    most tokens per generation (default 64)
      --seed S              seed of the sampling strategies (default 0)
  -c, --ctx-size N          context size (default: the model's, at most 4096)
  -t, --threads N           threads
      --no-ppl              skip the reference perplexity
      --json                print the report as JSON (outputs included)
  -h, --help                show this help`;

/** `llama-loom eval`: decoding strategies compared on a JSONL dataset. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'compare decoding strategies on a JSONL dataset (BLEU, chrF, ROUGE, perplexity)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: v, positionals } = parseCommandArgs(args, {
      model: { type: 'string', short: 'm' },
      data: { type: 'string' },
      strategy: { type: 'string', multiple: true },
      'max-new-tokens': { type: 'string', short: 'n' },
      seed: { type: 'string' },
      'ctx-size': { type: 'string', short: 'c' },
      threads: { type: 'string', short: 't' },
      'no-ppl': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (v.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (the dataset goes after --data)`);
    if (v.data === undefined || v.data === '') throw new UsageError('--data FILE is required');
    const maxNewTokens = v['max-new-tokens'] === undefined ? 64 : parseNumberFlag('--max-new-tokens', v['max-new-tokens'], { integer: true, min: 1 });
    const seed = v.seed === undefined ? 0 : parseNumberFlag('--seed', v.seed, { integer: true, min: 0 });
    const contextSize = v['ctx-size'] === undefined ? undefined : parseNumberFlag('--ctx-size', v['ctx-size'], { integer: true, min: 1 });
    const threads = v.threads === undefined ? undefined : parseNumberFlag('--threads', v.threads, { integer: true, min: 1 });
    let strategies: EvalStrategy[];
    try {
      strategies = (v.strategy ?? ['greedy']).map((s) => parseStrategy(s, seed));
    } catch (err) {
      throw new UsageError(`--strategy: ${(err as Error).message}`);
    }
    let dataset;
    try {
      dataset = await loadJsonlDataset(v.data);
    } catch (err) {
      if (!(err instanceof DatasetError) && (err as NodeJS.ErrnoException).code === undefined) throw err;
      io.stderr.write(`llama-loom eval: ${(err as Error).message}\n`);
      return 1;
    }

    const model = await loadModel(await resolveModel(v.model));
    const bar = createProgressBar({ stream: io.stderr, isTTY: io.isTTY, unit: 'items', label: 'eval' });
    try {
      const report = await evaluate({
        model, dataset, strategies, maxNewTokens, seed, referencePerplexity: v['no-ppl'] !== true,
        context: { ...(contextSize !== undefined ? { contextSize } : {}), ...(threads !== undefined ? { threads } : {}) },
        onProgress: (p) => bar.update(p.done, p.total),
      });
      bar.finish();
      io.stdout.write(v.json ? JSON.stringify(evalReportToJson(report)) + '\n' : formatEvalTable(report) + '\n');
      return 0;
    } finally {
      bar.finish();
      model.dispose();
    }
  },
};
