import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { checkString } from '../validate.js';

/** Extension of finished model files; anything else in the cache folder (partials, notes) is not a model. */
export const MODEL_EXTENSION = '.gguf';

/** Suffix of an unfinished download that lies beside its destination until it is complete. */
export const PARTIAL_SUFFIX = '.partial';

/** Where the environment and platform come from; tests pass their own. */
export interface ModelsDirContext {
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  homeDir?: string;
}

/**
 * The folder where downloaded models live.
 *
 * Order: `LLAMA_LOOM_MODELS_DIR`; else `$XDG_CACHE_HOME/llama-loom/models`; else the platform's
 * cache folder: `%LOCALAPPDATA%\llama-loom\models` on Windows, `~/Library/Caches/llama-loom/models`
 * on macOS, `~/.cache/llama-loom/models` elsewhere.
 */
export function defaultModelsDir(context: ModelsDirContext = {}): string {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.homeDir ?? os.homedir();
  // Join with the target platform's rules so a Windows answer keeps backslashes even when computed elsewhere.
  const p = platform === 'win32' ? path.win32 : path.posix;

  const explicit = env.LLAMA_LOOM_MODELS_DIR;
  if (explicit) return explicit;
  // The XDG spec says relative values are invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && p.isAbsolute(xdg)) return p.join(xdg, 'llama-loom', 'models');
  if (platform === 'win32') {
    const localAppData = env.LOCALAPPDATA || p.join(home, 'AppData', 'Local');
    return p.join(localAppData, 'llama-loom', 'models');
  }
  if (platform === 'darwin') return p.join(home, 'Library', 'Caches', 'llama-loom', 'models');
  return p.join(home, '.cache', 'llama-loom', 'models');
}

/** One finished model file in the cache folder. */
export interface CachedModel {
  /** File name, e.g. `tinyllama-1.1b-chat.Q4_K_M.gguf`. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Absolute path. */
  path: string;
  /** Last modification time (when the download finished). */
  modifiedAt: Date;
}

/**
 * The `.gguf` files directly inside `dir` (default {@link defaultModelsDir}), sorted by name.
 * A missing folder is an empty cache, not an error; unfinished `.partial` downloads are left out.
 */
export async function listCachedModels(dir: string = defaultModelsDir()): Promise<CachedModel[]> {
  checkString('dir', dir, { nonEmpty: true });
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const models: CachedModel[] = [];
  for (const name of names) {
    if (!name.toLowerCase().endsWith(MODEL_EXTENSION)) continue;
    const full = path.join(root, name);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) continue;
    models.push({ name, size: info.size, path: full, modifiedAt: info.mtime });
  }
  return models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
