import { readFile } from 'node:fs/promises';
import { loadModel } from '../../model.js';
import { resolveModel } from '../../default-model.js';
import { perplexity } from '../../metrics/perplexity.js';
import { parseCommandArgs, parseNumberFlag } from '../../metrics/cli-support.js';
import { createProgressBar } from '../progress.js';
import { UsageError, type CliIo, type Command } from '../command.js';
import { readAll } from '../read-input.js';

const USAGE = `Usage: llama-loom perplexity [file.txt] [options]     (text from stdin when no file)

Perplexity of a text file computed exactly as llama.cpp's llama-perplexity does: the text is
cut into chunks of -c tokens and the second half of every chunk is scored.

Options:
  -m, --model SPEC      path, cached name, URL or hf:owner/repo/file.gguf (default: embedded model)
  -c, --ctx-size N      tokens per chunk (default 512); the text needs at least 2N tokens
  -b, --batch-size N    tokens per decode (default 2048); above N, several chunks run in parallel
  -t, --threads N       threads
      --json            print {"ppl","pplStderr","tokens","chunks","contextSize"}
  -h, --help            show this help`;

/** `llama-loom perplexity`: llama-perplexity's number for a text file, with a progress bar. */
export const perplexityCommand: Command = {
  name: 'perplexity',
  summary: 'perplexity of a text file (same numbers as llama-perplexity)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: v, positionals } = parseCommandArgs(args, {
      model: { type: 'string', short: 'm' },
      'ctx-size': { type: 'string', short: 'c' },
      'batch-size': { type: 'string', short: 'b' },
      threads: { type: 'string', short: 't' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (v.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`expected at most one text file; received ${positionals.length}`);
    const contextSize = v['ctx-size'] === undefined ? 512 : parseNumberFlag('--ctx-size', v['ctx-size'], { integer: true, min: 3 });
    const batchSize = v['batch-size'] === undefined ? 2048 : parseNumberFlag('--batch-size', v['batch-size'], { integer: true, min: 1 });
    const threads = v.threads === undefined ? undefined : parseNumberFlag('--threads', v.threads, { integer: true, min: 1 });
    const file = positionals[0];
    let text: string;
    try {
      text = file === undefined || file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');
    } catch (err) {
      io.stderr.write(`llama-loom perplexity: cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
    // llama-perplexity drops one trailing newline of the file it reads.
    if (text.endsWith('\n')) text = text.slice(0, -1);

    const model = await loadModel(await resolveModel(v.model));
    const bar = createProgressBar({ stream: io.stderr, isTTY: io.isTTY, unit: 'items', label: 'perplexity' });
    try {
      const res = await perplexity(model, text, {
        contextSize, batchSize, ...(threads !== undefined ? { threads } : {}),
        onProgress: (p) => bar.update(p.chunksDone, p.chunks),
      });
      bar.finish();
      if (v.json) {
        const { ppl, pplStderr, tokens, chunks, contextSize: c } = res;
        io.stdout.write(JSON.stringify({ ppl, pplStderr, tokens, chunks, contextSize: c }) + '\n');
      } else {
        io.stdout.write(`Final estimate: PPL = ${res.ppl.toFixed(4)} +/- ${res.pplStderr.toFixed(5)}\n`);
        io.stderr.write(`[${res.chunks} chunks of ${res.contextSize} tokens, ${res.nll.length} scored of ${res.tokens}, ${res.seconds.toFixed(2)} s]\n`);
      }
      return 0;
    } finally {
      bar.finish();
      model.dispose();
    }
  },
};
