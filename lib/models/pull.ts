import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { LoomError, abortError } from '../errors.js';
import { checkBoolean, checkFunction, checkInteger, checkNumber, checkObject, checkSignal, checkString } from '../validate.js';
import { PARTIAL_SUFFIX, defaultModelsDir } from './cache.js';
import { parseContentRange } from './content-range.js';
import { checkHeaders, checkHttpUrl, checkSha256 } from './download-args.js';
import { checkFileName, fileNameFromUrl } from './file-name.js';
import { fsyncDir, fsyncFile, hashFilePrefix, isFile, readHead, sizeOrZero, writeAll } from './partial-file.js';

/** The four bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF';

/** A snapshot of a running download, passed to `onProgress`. */
export interface PullProgress {
  /** Bytes of the file on disk so far, including a resumed prefix. Only drops if the server forces a restart. */
  received: number;
  /** Size of the whole file, once known (from the server or the `size` option). */
  total: number | undefined;
  /** Average speed of the bytes fetched by this call. */
  bytesPerSecond: number;
  /** Seconds left at that speed; undefined while the total or the speed is unknown. */
  etaSeconds: number | undefined;
}

/** Options of {@link pullModel}. */
export interface PullOptions {
  /** Destination folder (created if missing); default {@link defaultModelsDir}. */
  dir?: string;
  /** Destination file name; default the last segment of the URL path. */
  fileName?: string;
  /** Expected SHA-256 of the whole file as 64 hex digits; a mismatch throws `CHECKSUM_MISMATCH`. */
  sha256?: string;
  /** Expected size in bytes; a mismatch throws `DOWNLOAD_FAILED`. */
  size?: number;
  /** Aborting keeps the `.partial` file so a later call resumes it, and throws `ABORTED`. */
  signal?: AbortSignal;
  /** Called after every chunk written to disk. */
  onProgress?: (progress: PullProgress) => void;
  /** Replacement for the global `fetch` (tests, proxies). */
  fetchImpl?: typeof fetch;
  /** Extra request headers, e.g. `authorization` for gated repositories. */
  headers?: Record<string, string>;
  /** Requests tried in all before giving up (dropped connections, 5xx, 429); default 5. */
  maxAttempts?: number;
  /** Wait before the first retry; doubles on each further retry up to 30 s. Default 1000. */
  retryDelayMs?: number;
  /** Download again even if the destination file already exists. Default false. */
  force?: boolean;
}

/** What {@link pullModel} produced. */
export interface PullResult {
  /** Absolute path of the finished file. */
  path: string;
  size: number;
  /** SHA-256 of the whole file, lowercase hex. */
  sha256: string;
  /** True when bytes fetched before (an earlier call's partial file or a dropped attempt) were kept. */
  resumed: boolean;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;
// Statuses that describe a passing condition of the server rather than a wrong request.
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** A failure worth another attempt; `immediate` when the partial file was reset and waiting would not help. */
class TransientFailure extends Error {
  constructor(message: string, readonly immediate = false, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** State shared by the attempts of one download. */
interface Download {
  url: string;
  partialPath: string;
  fetchImpl: typeof fetch;
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
  onProgress: ((progress: PullProgress) => void) | undefined;
  /** The `size` option. */
  expectedSize: number | undefined;
  /** Complete length announced by the server. */
  serverSize: number | undefined;
  /** Running hash of the first `hashed` bytes of the partial file. */
  hash: Hash;
  hashed: number;
  resumed: boolean;
  startedAt: number;
  fetchedBytes: number;
}

/**
 * Downloads a model file into `dir` (default {@link defaultModelsDir}) and returns where it lies.
 *
 * Bytes go to `<name>.partial` beside the destination. An existing partial file is resumed with a
 * `Range` request; a server that ignores the range makes the download start over. Dropped
 * connections and 5xx answers are retried with exponential backoff, each retry resuming from what is
 * on disk. The finished file must start with the GGUF magic, match `size`/Content-Length and, when
 * given, `sha256`; it is then fsynced and renamed atomically, so the destination name never holds a
 * half-written file. If the destination already exists it is verified and returned without a request.
 *
 * @throws LoomError `DOWNLOAD_FAILED` (HTTP error, size mismatch, attempts exhausted),
 *   `CHECKSUM_MISMATCH`, `INVALID_GGUF` (the body is not a GGUF file, e.g. an HTML error page), `ABORTED`.
 */
export async function pullModel(url: string, options: PullOptions = {}): Promise<PullResult> {
  const parsed = checkHttpUrl('url', url);
  checkObject('options', options);
  const dir = options.dir === undefined ? defaultModelsDir() : checkString('options.dir', options.dir, { nonEmpty: true });
  const fileName = options.fileName === undefined ? fileNameFromUrl(parsed) : checkFileName('options.fileName', options.fileName);
  const sha256 = options.sha256 === undefined ? undefined : checkSha256('options.sha256', options.sha256);
  const size = options.size === undefined ? undefined : checkInteger('options.size', options.size, { min: 0 });
  const signal = checkSignal('options.signal', options.signal);
  const onProgress = options.onProgress === undefined ? undefined : checkFunction<(p: PullProgress) => void>('options.onProgress', options.onProgress);
  const fetchImpl = options.fetchImpl === undefined ? globalThis.fetch : checkFunction<typeof fetch>('options.fetchImpl', options.fetchImpl);
  const headers = options.headers === undefined ? {} : checkHeaders('options.headers', options.headers);
  const maxAttempts = options.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : checkInteger('options.maxAttempts', options.maxAttempts, { min: 1 });
  const retryDelayMs = options.retryDelayMs === undefined ? DEFAULT_RETRY_DELAY_MS : checkNumber('options.retryDelayMs', options.retryDelayMs, { min: 0 });
  const force = options.force === undefined ? false : checkBoolean('options.force', options.force);

  if (signal?.aborted) throw abortError(`download of ${url}`, signal);
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const finalPath = path.join(root, fileName);
  if (!force && (await isFile(finalPath))) return verifyExisting(finalPath, url, sha256, size);

  const dl: Download = {
    url, partialPath: finalPath + PARTIAL_SUFFIX, fetchImpl, headers, signal, onProgress,
    expectedSize: size, serverSize: undefined, hash: createHash('sha256'), hashed: 0, resumed: false,
    startedAt: performance.now(), fetchedBytes: 0,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await runAttempt(dl);
      break;
    } catch (err) {
      if (!(err instanceof TransientFailure)) throw err;
      if (attempt >= maxAttempts) {
        throw new LoomError('DOWNLOAD_FAILED', `giving up on ${url} after ${attempt} attempts: ${err.message}`, { cause: err });
      }
      if (!err.immediate) {
        const wait = Math.min(MAX_RETRY_DELAY_MS, retryDelayMs * 2 ** (attempt - 1));
        await delay(wait, undefined, { signal }).catch(() => {
          throw abortError(`download of ${url}`, signal);
        });
      }
    }
  }
  return finishDownload(dl, finalPath, sha256);
}

/** One request: continues the partial file from its current size, or decides it is already complete. */
async function runAttempt(dl: Download): Promise<void> {
  let offset = await sizeOrZero(dl.partialPath);
  const known = dl.expectedSize ?? dl.serverSize;
  if (known !== undefined && offset > known) {
    // More bytes than the file can have: the partial is from something else.
    await rm(dl.partialPath, { force: true });
    offset = 0;
  }
  if (known !== undefined && offset === known && offset > 0) {
    dl.resumed = true;
    return;
  }

  const headers = new Headers(dl.headers);
  // Compressed transfer would make Content-Length and Range count different bytes than the file's.
  headers.set('accept-encoding', 'identity');
  if (!headers.has('user-agent')) headers.set('user-agent', 'llama-loom');
  if (offset > 0) headers.set('range', `bytes=${offset}-`);
  else headers.delete('range');

  let res: Response;
  try {
    res = await dl.fetchImpl(dl.url, { headers, signal: dl.signal, redirect: 'follow' });
  } catch (err) {
    if (dl.signal?.aborted) throw abortError(`download of ${dl.url}`, dl.signal);
    throw new TransientFailure(`request failed: ${errorText(err)}`, false, { cause: err });
  }

  const start = await acceptResponse(dl, res, offset);
  if (start === 'complete') {
    dl.resumed = true;
    return;
  }
  if (start > 0) dl.resumed = true;
  if (dl.expectedSize !== undefined && dl.serverSize !== undefined && dl.expectedSize !== dl.serverSize) {
    await res.body?.cancel().catch(() => undefined);
    throw new LoomError('DOWNLOAD_FAILED', `${dl.url} is ${dl.serverSize} bytes but size ${dl.expectedSize} was expected`);
  }
  await streamBody(dl, res, start);
}

/**
 * Decides where the response body goes: the offset it starts at, or `complete` when a 416 says the
 * partial file already holds the whole representation. Throws for answers that carry no file bytes.
 */
async function acceptResponse(dl: Download, res: Response, offset: number): Promise<number | 'complete'> {
  const discard = () => res.body?.cancel().catch(() => undefined);
  if (res.status === 206) {
    const range = parseContentRange(res.headers.get('content-range'));
    if (range?.kind !== 'range' || range.first !== offset) {
      await discard();
      await restartFromZero(dl);
      throw new TransientFailure(`server answered bytes=${offset}- with Content-Range ${JSON.stringify(res.headers.get('content-range'))}`, true);
    }
    if (range.complete !== undefined) dl.serverSize = range.complete;
    return offset;
  }
  if (res.status === 200) {
    // A 200 to a range request is the whole file again: the server ignored the range.
    if (offset > 0) await restartFromZero(dl);
    const length = contentLength(res);
    if (length !== undefined) dl.serverSize = length;
    return 0;
  }
  if (res.status === 416 && offset > 0) {
    await discard();
    const range = parseContentRange(res.headers.get('content-range'));
    if (range?.kind === 'unsatisfied' && range.complete === offset) {
      dl.serverSize = offset;
      return 'complete';
    }
    await restartFromZero(dl);
    throw new TransientFailure(`server cannot serve bytes=${offset}- (416)`, true);
  }
  await discard();
  const what = `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''} for ${dl.url}`;
  if (RETRYABLE_STATUS.has(res.status)) throw new TransientFailure(what);
  throw new LoomError('DOWNLOAD_FAILED', `download failed: ${what}`);
}

/** Appends the response body to the partial file from `start`, hashing as it goes. */
async function streamBody(dl: Download, res: Response, start: number): Promise<void> {
  if (start === 0) resetHash(dl);
  else if (dl.hashed !== start) {
    // A partial from an earlier call: its prefix must be part of the checksum too.
    resetHash(dl);
    await hashFilePrefix(dl.partialPath, start, dl.hash);
    dl.hashed = start;
  }
  const bodyLength = contentLength(res);
  const fh = await open(dl.partialPath, start === 0 ? 'w' : 'a');
  const reader = res.body?.getReader();
  let received = start;
  let head = start === 0 ? Buffer.alloc(0) : undefined;
  let notGguf = false;
  let done = reader === undefined;
  try {
    emitProgress(dl, received);
    while (!done) {
      let chunk: Uint8Array;
      try {
        const next = await reader!.read();
        if (next.done) {
          done = true;
          break;
        }
        chunk = next.value;
      } catch (err) {
        if (dl.signal?.aborted) throw abortError(`download of ${dl.url}`, dl.signal);
        throw new TransientFailure(`connection dropped after ${received} bytes: ${errorText(err)}`, false, { cause: err });
      }
      if (head !== undefined && head.length < GGUF_MAGIC.length) {
        // Reject an error page as soon as its first bytes arrive instead of after the whole body.
        head = Buffer.concat([head, chunk.subarray(0, GGUF_MAGIC.length - head.length)]);
        if (head.length === GGUF_MAGIC.length && !isGgufMagic(head)) {
          notGguf = true;
          break;
        }
      }
      await writeAll(fh, chunk);
      dl.hash.update(chunk);
      dl.hashed += chunk.length;
      received += chunk.length;
      dl.fetchedBytes += chunk.length;
      emitProgress(dl, received);
    }
  } finally {
    if (!done) await reader?.cancel().catch(() => undefined);
    await fh.close();
  }
  if (notGguf) {
    await rm(dl.partialPath, { force: true });
    throw notGgufError(dl.url, head!);
  }
  if (bodyLength !== undefined && received - start < bodyLength) {
    throw new TransientFailure(`body ended after ${received - start} of ${bodyLength} bytes`);
  }
  const expected = dl.expectedSize ?? dl.serverSize;
  if (expected !== undefined && received < expected) {
    throw new TransientFailure(`body ended at ${received} of ${expected} bytes`);
  }
}

/** Verifies the complete partial file and moves it to its final name. */
async function finishDownload(dl: Download, finalPath: string, sha256: string | undefined): Promise<PullResult> {
  const size = await sizeOrZero(dl.partialPath);
  const expected = dl.expectedSize ?? dl.serverSize;
  if (expected !== undefined && size !== expected) {
    await rm(dl.partialPath, { force: true });
    throw new LoomError('DOWNLOAD_FAILED', `${dl.url} produced ${size} bytes but ${expected} were expected`);
  }
  const head = await readHead(dl.partialPath, GGUF_MAGIC.length);
  if (!isGgufMagic(head)) {
    await rm(dl.partialPath, { force: true });
    throw notGgufError(dl.url, head);
  }
  if (dl.hashed !== size) {
    resetHash(dl);
    await hashFilePrefix(dl.partialPath, size, dl.hash);
    dl.hashed = size;
  }
  const digest = dl.hash.digest('hex');
  if (sha256 !== undefined && digest !== sha256) {
    await rm(dl.partialPath, { force: true });
    throw new LoomError('CHECKSUM_MISMATCH', `${dl.url} has SHA-256 ${digest} but ${sha256} was expected; the download was deleted`);
  }
  await fsyncFile(dl.partialPath);
  await rename(dl.partialPath, finalPath);
  await fsyncDir(path.dirname(finalPath));
  return { path: finalPath, size, sha256: digest, resumed: dl.resumed };
}

/** An already present destination: checked against the expectations, never overwritten. */
async function verifyExisting(file: string, url: string, sha256: string | undefined, size: number | undefined): Promise<PullResult> {
  const actualSize = await sizeOrZero(file);
  const hash = createHash('sha256');
  await hashFilePrefix(file, actualSize, hash);
  const digest = hash.digest('hex');
  if ((size !== undefined && actualSize !== size) || (sha256 !== undefined && digest !== sha256)) {
    throw new LoomError('CHECKSUM_MISMATCH', `${file} already exists but does not match ${url} ` +
      `(size ${actualSize}, SHA-256 ${digest}); delete it or pass force to download again`);
  }
  return { path: file, size: actualSize, sha256: digest, resumed: false };
}

async function restartFromZero(dl: Download): Promise<void> {
  await rm(dl.partialPath, { force: true });
  resetHash(dl);
}

function resetHash(dl: Download): void {
  dl.hash = createHash('sha256');
  dl.hashed = 0;
}

function emitProgress(dl: Download, received: number): void {
  if (!dl.onProgress) return;
  const total = dl.expectedSize ?? dl.serverSize;
  const seconds = (performance.now() - dl.startedAt) / 1000;
  const bytesPerSecond = seconds > 0 ? dl.fetchedBytes / seconds : 0;
  const etaSeconds = total !== undefined && bytesPerSecond > 0 ? Math.max(0, total - received) / bytesPerSecond : undefined;
  dl.onProgress({ received, total, bytesPerSecond, etaSeconds });
}

function contentLength(res: Response): number | undefined {
  const value = res.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** True when the bytes start with `GGUF`. */
export function isGgufMagic(head: Uint8Array): boolean {
  return head.length >= 4 && Buffer.from(head.subarray(0, 4)).toString('latin1') === GGUF_MAGIC;
}

function notGgufError(url: string, head: Uint8Array): LoomError {
  const shown = Buffer.from(head).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return new LoomError('INVALID_GGUF', `${url} is not a GGUF file (it starts with ${JSON.stringify(shown)}, ` +
    'not "GGUF"); the server probably sent an error or login page');
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports socket problems as `TypeError: terminated` with the useful part in `cause`.
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return err.message + cause;
}
