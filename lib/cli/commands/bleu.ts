import { UsageError, type CliIo, type Command } from '../command.js';
import { BLEU_SMOOTHING, corpusBleu, formatBleu, sentenceBleu, type BleuOptions, type BleuScore } from '../../metrics/bleu.js';
import { BLEU_TOKENIZERS } from '../../metrics/bleu-tokenizers.js';
import { loadParallelSegments, parseCommandArgs, parseNumberFlag, reportFailure } from '../../metrics/cli-support.js';

const USAGE = `Usage: llama-loom bleu -r REF [-r REF2 ...] [HYP] [options]

BLEU of HYP (or stdin) against one or more reference files, one segment per line, computed
exactly as sacrebleu does.

Options:
  -r, --ref FILE        reference file; repeat for several references (line counts must match)
  --sentence            one score per line (effective order on, like sacrebleu --sentence-level)
  --tokenize NAME       ${BLEU_TOKENIZERS.join(' | ')} (default: 13a)
  --smooth METHOD       ${BLEU_SMOOTHING.join(' | ')} (default: exp)
  --smooth-value X      value for floor (default 0.1) or add-k (default 1)
  --lowercase           case-insensitive BLEU
  --json                print {"score","precisions","bp","sysLen","refLen","signature"}
                        (an array of them with --sentence)
  -h, --help            show this help`;

function jsonFields(s: BleuScore) {
  return { score: s.score, precisions: s.precisions, bp: s.bp, sysLen: s.sysLen, refLen: s.refLen, signature: s.signature };
}

function checkChoice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; received ${JSON.stringify(value)}`);
  return value as T;
}

/** `llama-loom bleu`: corpus or per-line BLEU, sacrebleu-compatible. */
export const bleuCommand: Command = {
  name: 'bleu',
  summary: 'BLEU of a hypothesis file against reference files (sacrebleu-compatible)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      ref: { type: 'string', short: 'r', multiple: true },
      sentence: { type: 'boolean' },
      tokenize: { type: 'string' },
      smooth: { type: 'string' },
      'smooth-value': { type: 'string' },
      lowercase: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    const options: BleuOptions = {
      tokenize: checkChoice('--tokenize', values.tokenize, BLEU_TOKENIZERS),
      smooth: checkChoice('--smooth', values.smooth, BLEU_SMOOTHING),
      smoothValue: values['smooth-value'] === undefined ? undefined : parseNumberFlag('--smooth-value', values['smooth-value'], { min: 0 }),
      lowercase: values.lowercase ?? false,
    };
    try {
      const { hypotheses, references } = await loadParallelSegments(values.ref, positionals, io.stdin);
      if (values.sentence) {
        const scores = hypotheses.map((hyp, i) => sentenceBleu(hyp, references.map((stream) => stream[i]!), options));
        if (values.json) io.stdout.write(JSON.stringify(scores.map(jsonFields)) + '\n');
        else io.stdout.write(scores.map((s) => formatBleu(s) + '\n').join('') + scores[0]!.signature + '\n');
        return 0;
      }
      const score = corpusBleu(hypotheses, references, options);
      io.stdout.write(values.json ? JSON.stringify(jsonFields(score)) + '\n' : `${formatBleu(score)}\n${score.signature}\n`);
      return 0;
    } catch (err) {
      return reportFailure(io, err);
    }
  },
};

export default bleuCommand;
