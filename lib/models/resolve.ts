import os from 'node:os';
import path from 'node:path';

import { LoomError } from '../errors.js';
import { checkObject, checkString, fail } from '../validate.js';
import { MODEL_EXTENSION, defaultModelsDir } from './cache.js';
import { fileNameFromUrl } from './file-name.js';
import { isFile } from './partial-file.js';
import { pullModel, type PullOptions } from './pull.js';

const HF_PREFIX = 'hf:';
const HF_HOST = 'huggingface.co';

/**
 * The download URL of a Hugging Face file spec, following the Hub's `resolve` endpoint:
 * `hf:owner/repo/path/to/file.gguf` → `https://huggingface.co/owner/repo/resolve/main/path/to/file.gguf`;
 * `hf:owner/repo@revision/file.gguf` pins a branch, tag or commit (one path segment).
 * Throws RangeError for a malformed spec.
 */
export function hfUrl(spec: string): string {
  checkString('spec', spec, { nonEmpty: true });
  const expected = 'an hf: spec like "hf:owner/repo[@revision]/path/to/file.gguf"';
  if (!spec.startsWith(HF_PREFIX)) fail('spec', expected, spec, 'range');
  const parts = spec.slice(HF_PREFIX.length).split('/');
  if (parts.length < 3 || parts.some((p) => p === '' || p === '.' || p === '..')) fail('spec', expected, spec, 'range');
  const [owner, repoAndRevision, ...file] = parts as [string, string, ...string[]];
  const at = repoAndRevision.indexOf('@');
  const repo = at < 0 ? repoAndRevision : repoAndRevision.slice(0, at);
  const revision = at < 0 ? 'main' : repoAndRevision.slice(at + 1);
  if (repo === '' || revision === '' || owner.includes('@')) fail('spec', expected, spec, 'range');
  const enc = encodeURIComponent;
  return `https://${HF_HOST}/${enc(owner)}/${enc(repo)}/resolve/${enc(revision)}/${file.map(enc).join('/')}`;
}

/**
 * Request headers a URL needs: a bearer token from `HF_TOKEN` for huggingface.co (gated and
 * private repositories), nothing otherwise. The token is never sent to another host.
 */
export function authHeadersFor(url: string, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const token = env.HF_TOKEN;
  if (!token) return {};
  const host = new URL(url).hostname;
  return host === HF_HOST || host.endsWith('.' + HF_HOST) ? { authorization: `Bearer ${token}` } : {};
}

/** Options of {@link resolveModelSpec}; download options are passed on to {@link pullModel}. */
export interface ResolveOptions extends Pick<PullOptions, 'signal' | 'onProgress' | 'fetchImpl' | 'maxAttempts' | 'retryDelayMs'> {
  /** The models cache folder; default {@link defaultModelsDir}. */
  dir?: string;
  /** Download a URL that is not cached yet (default true); when false a missing URL is `NOT_FOUND`. */
  download?: boolean;
}

/**
 * Turns what a user passes to `-m` into the path of a local model file. Tried in order:
 * 1. an existing file path (a leading `~` means the home folder) → that path, absolute;
 * 2. `hf:owner/repo[@rev]/file.gguf` → treated as its {@link hfUrl};
 * 3. an http(s) URL → the cached copy named after the URL's last segment, else downloaded into the cache;
 * 4. a bare name → `<cache>/<name>` or `<cache>/<name>.gguf`.
 *
 * @throws LoomError `NOT_FOUND` listing every place looked at; download errors from {@link pullModel}.
 */
export async function resolveModelSpec(spec: string, options: ResolveOptions = {}): Promise<string> {
  checkString('spec', spec, { nonEmpty: true });
  checkObject('options', options);
  const dir = options.dir === undefined ? defaultModelsDir() : checkString('options.dir', options.dir, { nonEmpty: true });
  const tried: string[] = [];

  const asPath = path.resolve(expandHome(spec));
  if (await isFile(asPath)) return asPath;

  const url = spec.startsWith(HF_PREFIX) ? hfUrl(spec) : isHttpUrl(spec) ? spec : undefined;
  if (url === undefined) tried.push(asPath);
  if (url !== undefined) {
    const cached = path.resolve(dir, fileNameFromUrl(new URL(url)));
    if (await isFile(cached)) return cached;
    tried.push(cached);
    if (options.download === false) throw notFound(spec, tried);
    const { download: _download, dir: _dir, ...pullOptions } = options;
    const result = await pullModel(url, { ...pullOptions, dir, headers: authHeadersFor(url) });
    return result.path;
  }

  if (!/[/\\]/.test(spec)) {
    const candidates = spec.toLowerCase().endsWith(MODEL_EXTENSION) ? [spec] : [spec, spec + MODEL_EXTENSION];
    for (const name of candidates) {
      const candidate = path.resolve(dir, name);
      if (await isFile(candidate)) return candidate;
      tried.push(candidate);
    }
  }
  throw notFound(spec, tried);
}

function notFound(spec: string, tried: string[]): LoomError {
  return new LoomError('NOT_FOUND', `model ${JSON.stringify(spec)} not found; tried: ${tried.join(', ')}`);
}

function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}
