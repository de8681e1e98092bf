import path from 'node:path';
import { parseArgs } from 'node:util';

import { isLoomError } from '../../errors.js';
import { defaultModelsDir } from '../../models/cache.js';
import { checkHttpUrl, checkSha256 } from '../../models/download-args.js';
import { checkFileName, fileNameFromUrl } from '../../models/file-name.js';
import { pullModel, type PullResult } from '../../models/pull.js';
import { authHeadersFor, hfUrl } from '../../models/resolve.js';
import { UsageError, type CliIo, type Command } from '../command.js';
import { createProgressBar, type ProgressBar } from '../progress.js';

const USAGE = `Usage: llama-loom pull <url | hf:owner/repo[@revision]/file.gguf> [options]

Downloads a GGUF model into the models cache (resuming an interrupted download) and prints its path.

Options:
  --sha256 HEX   expected SHA-256 of the file; a mismatch deletes the download and fails
  --dir DIR      destination folder (default: ${'$'}LLAMA_LOOM_MODELS_DIR or the user cache folder)
  --name FILE    file name to save as (default: the last part of the URL)
  --force        download again even if the file is already there
  --json         print {"path","size","sha256","resumed"} as JSON instead of the path
  -h, --help     show this help

Set HF_TOKEN to download from gated or private Hugging Face repositories.`;

/** Reads the command line into the download request, turning every mistake into a {@link UsageError}. */
function parsePullArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        sha256: { type: 'string' },
        dir: { type: 'string' },
        name: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  if (positionals.length !== 1) throw new UsageError(`expected exactly one URL or hf: spec; received ${positionals.length}`);
  const spec = positionals[0]!;
  let url: string;
  try {
    url = spec.startsWith('hf:') ? hfUrl(spec) : checkHttpUrl('url', spec).href;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let fileName: string;
  let sha256: string | undefined;
  try {
    sha256 = values.sha256 === undefined ? undefined : checkSha256('--sha256', values.sha256);
    fileName = values.name !== undefined ? checkFileName('--name', values.name) : fileNameFromUrl(new URL(url));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.dir === '') throw new UsageError('--dir must not be empty');
  return {
    help: false as const,
    url,
    fileName,
    sha256,
    dir: values.dir ?? defaultModelsDir(),
    force: values.force ?? false,
    json: values.json ?? false,
  };
}

/** `llama-loom pull`: downloads a model with a progress bar on stderr and prints its path on stdout. */
export const pullCommand: Command = {
  name: 'pull',
  summary: 'download a GGUF model (URL or hf:owner/repo/file.gguf) into the models cache',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const request = parsePullArgs(args);
    if (request.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    let bar: ProgressBar | undefined;
    let result: PullResult;
    try {
      result = await pullModel(request.url, {
        dir: request.dir,
        fileName: request.fileName,
        sha256: request.sha256,
        force: request.force,
        headers: authHeadersFor(request.url),
        onProgress: ({ received, total }) => {
          // Created at the first event so a resumed prefix is left out of the speed.
          bar ??= createProgressBar({ stream: io.stderr, isTTY: io.isTTY, unit: 'bytes', label: request.fileName, total, start: received });
          bar.update(received, total);
        },
      });
    } catch (err) {
      bar?.finish();
      if (!isLoomError(err)) throw err;
      io.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    bar?.finish();
    if (bar === undefined) io.stderr.write(`${request.fileName} already present in ${path.dirname(result.path)}\n`);
    io.stdout.write(request.json ? JSON.stringify(result) + '\n' : result.path + '\n');
    return 0;
  },
};
