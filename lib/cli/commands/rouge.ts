import { UsageError, type CliIo, type Command } from '../command.js';
import { BootstrapAggregator } from '../../metrics/bootstrap.js';
import { loadParallelSegments, parseCommandArgs, reportFailure } from '../../metrics/cli-support.js';
import { pyFixed } from '../../metrics/format.js';
import { DEFAULT_ROUGE_TYPES, isRougeType, rougeScores, type RougeScore, type RougeType } from '../../metrics/rouge.js';

const USAGE = `Usage: llama-loom rouge -r REF [-r REF2 ...] [HYP] [options]

ROUGE of HYP (or stdin) against reference files, one segment per line, computed exactly as
Google's rouge-score does; with several references each line keeps its best-matching one.
Prints the mean over lines and a bootstrap 95% interval (1000 resamples). Each line is one
segment, so rougeLsum sees it as a single sentence.

Options:
  -r, --ref FILE        reference file; repeat for several references (line counts must match)
  --types LIST          comma-separated: rouge1..rouge9, rougeL, rougeLsum
                        (default: ${DEFAULT_ROUGE_TYPES.join(',')})
  --stem                Porter-stem tokens longer than 3 characters (NLTK mode)
  --json                print {"rouge1": {"precision","recall","fmeasure"}, ...}, means over lines
  -h, --help            show this help`;

const MEASURES = ['precision', 'recall', 'fmeasure'] as const;

function parseTypes(raw: string | undefined): RougeType[] {
  if (raw === undefined) return [...DEFAULT_ROUGE_TYPES];
  const types = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (types.length === 0) throw new UsageError('--types must list at least one ROUGE type');
  for (const t of types) {
    if (!isRougeType(t)) throw new UsageError(`--types: unknown ROUGE type ${JSON.stringify(t)} (use rouge1..rouge9, rougeL, rougeLsum)`);
  }
  return types as RougeType[];
}

function mean(scores: RougeScore[]): RougeScore {
  const sum = { precision: 0, recall: 0, fmeasure: 0 };
  for (const s of scores) for (const m of MEASURES) sum[m] += s[m];
  for (const m of MEASURES) sum[m] /= scores.length;
  return sum;
}

/** `llama-loom rouge`: ROUGE averaged over lines, rouge-score-compatible. */
export const rougeCommand: Command = {
  name: 'rouge',
  summary: 'ROUGE-N/L/Lsum of a hypothesis file against reference files (rouge-score-compatible)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      ref: { type: 'string', short: 'r', multiple: true },
      types: { type: 'string' },
      stem: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    const types = parseTypes(values.types);
    const stem = values.stem ?? false;
    try {
      const { hypotheses, references } = await loadParallelSegments(values.ref, positionals, io.stdin);
      const perLine = hypotheses.map((hyp, i) => rougeScores(references.map((stream) => stream[i]!), hyp, { types, stem }));
      const means: Record<string, RougeScore> = {};
      for (const t of types) means[t] = mean(perLine.map((s) => s[t]));
      if (values.json) {
        io.stdout.write(JSON.stringify(means) + '\n');
        return 0;
      }
      const aggregator = new BootstrapAggregator<Record<(typeof MEASURES)[number], number>>();
      for (const s of perLine) aggregator.addScores(s);
      const intervals = aggregator.aggregate();
      const rows = [['TYPE', 'MEASURE', 'MEAN', 'LOW', 'MID', 'HIGH']];
      for (const t of types) {
        for (const m of MEASURES) {
          const ci = intervals[t]!;
          rows.push([t, m, ...[means[t]![m], ci.low[m], ci.mid[m], ci.high[m]].map((v) => pyFixed(v, 5))]);
        }
      }
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      const line = (r: string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
      io.stdout.write(rows.map(line).join('\n') + `\n${hypotheses.length} segments, ${references.length} reference(s)${stem ? ', stemmed' : ''}\n`);
      return 0;
    } catch (err) {
      return reportFailure(io, err);
    }
  },
};

export default rougeCommand;
