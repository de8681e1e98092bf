import type { CliIo, Command } from '../command.js';
import { corpusChrf, formatChrf, sentenceChrf, type ChrfOptions, type ChrfScore } from '../../metrics/chrf.js';
import { loadParallelSegments, parseCommandArgs, parseNumberFlag, reportFailure } from '../../metrics/cli-support.js';

const USAGE = `Usage: llama-loom chrf -r REF [-r REF2 ...] [HYP] [options]

chrF (or chrF++ with --word-order 2) of HYP (or stdin) against reference files, one segment per
line, computed exactly as sacrebleu does.

Options:
  -r, --ref FILE        reference file; repeat for several references (line counts must match)
  --word-order N        word n-gram order: 0 = chrF (default), 2 = chrF++
  --char-order N        character n-gram order (default 6)
  --beta N              recall weight (default 2)
  --lowercase           case-insensitive
  --whitespace          keep whitespace inside character n-grams
  --eps-smoothing       chrF++.py-style epsilon smoothing instead of effective order
  --sentence            one score per line
  --json                print {"score","name","signature"} (an array with --sentence)
  -h, --help            show this help`;

const jsonFields = (s: ChrfScore) => ({ score: s.score, name: s.name, signature: s.signature });

/** `llama-loom chrf`: corpus or per-line chrF / chrF++, sacrebleu-compatible. */
export const chrfCommand: Command = {
  name: 'chrf',
  summary: 'chrF / chrF++ of a hypothesis file against reference files (sacrebleu-compatible)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      ref: { type: 'string', short: 'r', multiple: true },
      'word-order': { type: 'string' },
      'char-order': { type: 'string' },
      beta: { type: 'string' },
      lowercase: { type: 'boolean' },
      whitespace: { type: 'boolean' },
      'eps-smoothing': { type: 'boolean' },
      sentence: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    const int = (flag: string, raw: string | undefined, min: number) =>
      raw === undefined ? undefined : parseNumberFlag(flag, raw, { integer: true, min });
    const options: ChrfOptions = {
      wordOrder: int('--word-order', values['word-order'], 0),
      charOrder: int('--char-order', values['char-order'], 1),
      beta: int('--beta', values.beta, 0),
      lowercase: values.lowercase ?? false,
      whitespace: values.whitespace ?? false,
      epsSmoothing: values['eps-smoothing'] ?? false,
    };
    try {
      const { hypotheses, references } = await loadParallelSegments(values.ref, positionals, io.stdin);
      if (values.sentence) {
        const scores = hypotheses.map((hyp, i) => sentenceChrf(hyp, references.map((stream) => stream[i]!), options));
        if (values.json) io.stdout.write(JSON.stringify(scores.map(jsonFields)) + '\n');
        else io.stdout.write(scores.map((s) => formatChrf(s) + '\n').join('') + scores[0]!.signature + '\n');
        return 0;
      }
      const score = corpusChrf(hypotheses, references, options);
      io.stdout.write(values.json ? JSON.stringify(jsonFields(score)) + '\n' : `${formatChrf(score)}\n${score.signature}\n`);
      return 0;
    } catch (err) {
      return reportFailure(io, err);
    }
  },
};

export default chrfCommand;
