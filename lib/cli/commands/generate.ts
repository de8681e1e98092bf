import { parseArgs } from 'node:util';
import { THROUGHPUT_INLINE_DECODE_MS } from '../../decode-scheduler.js';
import { generate, stream, type GenerateOptions } from '../../generate.js';
import { loadModel } from '../../model.js';
import { resolveModel } from '../../default-model.js';
import { UsageError, type CliIo, type Command } from '../command.js';
import { readAll } from '../read-input.js';

const USAGE = `Usage: llama-loom generate [prompt] [options]     (prompt from stdin when omitted)

Generates text, streaming it to stdout as it is decoded. Sampling by default
(temperature 0.8, top-k 40, top-p 0.95); --greedy or --beams for deterministic search.

Options:
  -m, --model SPEC          path, cached name, URL or hf:owner/repo/file.gguf (default: embedded model)
  -n, --max-new-tokens N    most tokens to generate (default 128)
      --greedy              always take the most likely token
      --temp T              sampling temperature (0 = greedy)
      --top-k K             keep the K most likely tokens (0 = off)
      --top-p P             nucleus: smallest set with probability mass >= P
      --min-p P             drop tokens below P x the top probability
      --typical-p P         locally typical sampling
      --repeat-penalty R    repetition penalty (1 = off)
      --no-repeat-ngram N   never repeat an n-gram of this size
      --beams N             beam search with N beams
      --length-penalty L    beam score = sum logprobs / length^L (default 1)
      --num-return N        sequences to return (<= beams when searching)
      --seed S              sampling seed (same seed, same text)
      --stop TEXT           stop string (repeatable)
  -c, --ctx-size N          context size (default: the model's, at most 4096)
  -t, --threads N           threads
      --json                print {text, tokens, logprobs, finishReason, timings} (or {sequences}) as JSON
  -h, --help                show this help`;

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'}; received "${v}"`);
  }
  return n;
}

/** Maps the command line onto {@link GenerateOptions}. */
export function parseGenerateArgs(args: string[]): { help: true } | { help: false; prompt?: string; model?: string; json: boolean; options: GenerateOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        model: { type: 'string', short: 'm' }, 'max-new-tokens': { type: 'string', short: 'n' },
        greedy: { type: 'boolean' }, temp: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' },
        'min-p': { type: 'string' }, 'typical-p': { type: 'string' }, 'repeat-penalty': { type: 'string' },
        'no-repeat-ngram': { type: 'string' }, beams: { type: 'string' }, 'length-penalty': { type: 'string' },
        'num-return': { type: 'string' }, seed: { type: 'string' }, stop: { type: 'string', multiple: true },
        'ctx-size': { type: 'string', short: 'c' }, threads: { type: 'string', short: 't' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { help: true };
  if (positionals.length > 1) throw new UsageError(`expected at most one prompt argument (quote it); received ${positionals.length}`);
  const beams = num('beams', v.beams, true);
  const temp = num('temp', v.temp);
  const greedy = v.greedy === true || temp === 0 || (beams !== undefined && beams > 1);
  const o: GenerateOptions = { maxNewTokens: num('max-new-tokens', v['max-new-tokens'], true) ?? 128 };
  if (!greedy) {
    o.doSample = true;
    o.temperature = temp ?? 0.8;
    o.topK = num('top-k', v['top-k'], true) ?? 40;
    o.topP = num('top-p', v['top-p']) ?? 0.95;
    const minP = num('min-p', v['min-p']);
    if (minP !== undefined) o.minP = minP;
    const typ = num('typical-p', v['typical-p']);
    if (typ !== undefined) o.typicalP = typ;
  } else if (v['top-k'] || v['top-p'] || v['min-p'] || v['typical-p']) {
    throw new UsageError('--top-k/--top-p/--min-p/--typical-p apply to sampling; drop --greedy/--beams/--temp 0');
  }
  const rp = num('repeat-penalty', v['repeat-penalty']);
  if (rp !== undefined) o.repetitionPenalty = rp;
  const nr = num('no-repeat-ngram', v['no-repeat-ngram'], true);
  if (nr !== undefined) o.noRepeatNgramSize = nr;
  if (beams !== undefined) o.numBeams = beams;
  const lp = num('length-penalty', v['length-penalty']);
  if (lp !== undefined) o.lengthPenalty = lp;
  const ret = num('num-return', v['num-return'], true);
  if (ret !== undefined) o.numReturnSequences = ret;
  const seed = num('seed', v.seed, true);
  if (seed !== undefined) o.seed = seed;
  if (v.stop) o.stop = v.stop.map((s) => s.replace(/\\n/g, '\n'));
  const ctxSize = num('ctx-size', v['ctx-size'], true);
  const threads = num('threads', v.threads, true);
  // No event loop to keep responsive here: decodes run on the JS thread (see inlineDecodeMs).
  o.context = { inlineDecodeMs: THROUGHPUT_INLINE_DECODE_MS, ...(ctxSize !== undefined ? { contextSize: ctxSize } : {}), ...(threads !== undefined ? { threads } : {}) };
  return { help: false, prompt: positionals[0], model: v.model, json: v.json === true, options: o };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a prompt (sampling, greedy or beam search)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseGenerateArgs(args);
    if (parsed.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const prompt = parsed.prompt ?? (await readAll(io.stdin)).replace(/\n$/, '');
    if (prompt.length === 0) throw new UsageError('the prompt is empty (pass it as an argument or on stdin)');
    const model = await loadModel(await resolveModel(parsed.model));
    try {
      const o = parsed.options;
      const several = (o.numReturnSequences ?? 1) > 1;
      if (parsed.json) {
        const res = await generate(model, prompt, o);
        const out = (s: typeof res.sequences[number]) => ({
          text: s.text, tokens: Array.from(s.tokens), logprobs: Array.from(s.logprobs), finishReason: s.finishReason,
          ...(s.score !== undefined ? { score: s.score } : {}),
        });
        io.stdout.write(JSON.stringify(several ? { sequences: res.sequences.map(out), timings: res.timings } : { ...out(res), timings: res.timings }) + '\n');
      } else if (several) {
        const res = await generate(model, prompt, o);
        res.sequences.forEach((s, i) => io.stdout.write(`--- ${i + 1}${s.score !== undefined ? ` (score ${s.score.toFixed(4)})` : ''}\n${prompt}${s.text}\n`));
      } else {
        io.stdout.write(prompt);
        const it = stream(model, prompt, o);
        let r = await it.next();
        while (!r.done) {
          io.stdout.write(r.value);
          r = await it.next();
        }
        io.stdout.write('\n');
        const t = r.value.timings;
        io.stderr.write(`[${t.generatedTokens} tokens, ${t.generationTokensPerSecond.toFixed(1)} tokens/s, prompt ${t.promptTokensPerSecond.toFixed(1)} tokens/s, ${r.value.finishReason}]\n`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
