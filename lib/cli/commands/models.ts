import { parseArgs } from 'node:util';

import { defaultModelsDir, listCachedModels } from '../../models/cache.js';
import { UsageError, type CliIo, type Command } from '../command.js';
import { formatBytes } from '../progress.js';

const USAGE = `Usage: llama-loom models [options]

Lists the GGUF models in the models cache.

Options:
  --dir DIR   folder to list (default: ${'$'}LLAMA_LOOM_MODELS_DIR or the user cache folder)
  --json      print [{"name","size","path","modifiedAt"}] as JSON
  -h, --help  show this help`;

/** `llama-loom models`: a table (or JSON) of the cached model files. */
export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the models in the models cache',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: { dir: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    if (values.dir === '') throw new UsageError('--dir must not be empty');
    const dir = values.dir ?? defaultModelsDir();
    const models = await listCachedModels(dir);
    if (values.json) {
      io.stdout.write(JSON.stringify(models.map((m) => ({ ...m, modifiedAt: m.modifiedAt.toISOString() }))) + '\n');
      return 0;
    }
    if (models.length === 0) {
      io.stdout.write(`No models in ${dir}\n`);
      return 0;
    }
    const rows = models.map((m) => [m.name, formatBytes(m.size), m.path]);
    const nameWidth = Math.max(4, ...rows.map((r) => r[0]!.length));
    const sizeWidth = Math.max(4, ...rows.map((r) => r[1]!.length));
    const line = (r: string[]) => `${r[0]!.padEnd(nameWidth)}  ${r[1]!.padStart(sizeWidth)}  ${r[2]}\n`;
    io.stdout.write(line(['NAME', 'SIZE', 'PATH']));
    for (const r of rows) io.stdout.write(line(r));
    return 0;
  },
};
