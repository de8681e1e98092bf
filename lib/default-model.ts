import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError } from './errors.js';
import { resolveModelSpec } from './models/resolve.js';

/** File name of the model llama-loom trained itself and ships in `models/` (see models/README.md). */
export const DEFAULT_MODEL_FILE = 'llama-loom-brown-4m-f16.gguf';

/** Absolute path of the embedded default model. */
export function defaultModelPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'models', DEFAULT_MODEL_FILE);
}

/**
 * What every `-m` accepts: nothing (the embedded model), a path, a cached name, a URL or
 * `hf:owner/repo/file.gguf` (downloaded into the cache on first use).
 */
export async function resolveModel(spec?: string, options: Parameters<typeof resolveModelSpec>[1] = {}): Promise<string> {
  if (spec === undefined || spec === '') {
    const p = defaultModelPath();
    if (!existsSync(p)) throw new LoomError('NOT_FOUND', `the embedded default model is missing (${p}); reinstall llama-loom or pass -m model.gguf`);
    return p;
  }
  return resolveModelSpec(spec, options);
}
