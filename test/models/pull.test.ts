import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { pullModel, type PullProgress } from '../../lib/models/pull.js';
import {
  fakeGguf, rangeStart, sendThenDrop, serveWithRanges, sha256Hex, startLocalServer, type LocalServer,
} from './local-server.js';

const PAYLOAD = fakeGguf(300_000);
const PAYLOAD_SHA = sha256Hex(PAYLOAD);
const FAST = { retryDelayMs: 1, maxAttempts: 4 };

let server: LocalServer;
let dir: string;

beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loom-pull-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const finalPath = () => path.join(dir, 'model.gguf');
const partialPath = () => finalPath() + '.partial';

async function expectLoomError(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe(code);
  return err as Error & { code: string };
}

function expectMonotonic(events: PullProgress[]): void {
  for (let i = 1; i < events.length; i++) expect(events[i]!.received).toBeGreaterThanOrEqual(events[i - 1]!.received);
}

describe('pullModel over HTTP', () => {
  test('downloads the whole file, verifies the checksum and leaves no partial behind', async () => {
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const result = await pullModel(server.url('/repo/model.gguf?sig=abc'), { dir, sha256: PAYLOAD_SHA.toUpperCase() });
    expect(result).toEqual({ path: finalPath(), size: PAYLOAD.length, sha256: PAYLOAD_SHA, resumed: false });
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
    expect(existsSync(partialPath())).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.range).toBeUndefined();
    expect(server.requests[0]!.headers['accept-encoding']).toBe('identity');
  });

  test('progress events are monotonic and end at the total', async () => {
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const events: PullProgress[] = [];
    await pullModel(server.url('/model.gguf'), { dir, onProgress: (p) => events.push({ ...p }) });
    expect(events.length).toBeGreaterThan(1);
    expectMonotonic(events);
    const last = events[events.length - 1]!;
    expect(last.received).toBe(PAYLOAD.length);
    expect(events.every((e) => e.total === PAYLOAD.length)).toBe(true);
    expect(last.etaSeconds).toBe(0);
    expect(events.every((e) => e.bytesPerSecond >= 0)).toBe(true);
  });

  test('resumes an existing partial file with a Range request', async () => {
    const kept = 123_457;
    await writeFile(partialPath(), PAYLOAD.subarray(0, kept));
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const result = await pullModel(server.url('/model.gguf'), { dir, sha256: PAYLOAD_SHA });
    expect(server.requests.map((r) => r.headers.range)).toEqual([`bytes=${kept}-`]);
    expect(result.resumed).toBe(true);
    // The checksum covers the prefix that came from disk, not only the fetched tail.
    expect(result.sha256).toBe(PAYLOAD_SHA);
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
  });

  test('a connection dropped mid-body is retried from what is on disk', async () => {
    const partialSizeSeen: number[] = [];
    server.handle((req, res, index) => {
      if (index === 0) {
        sendThenDrop(res, 200, { 'content-length': PAYLOAD.length }, PAYLOAD.subarray(0, 100_000));
        return;
      }
      partialSizeSeen.push(statSync(partialPath()).size);
      serveWithRanges(req, res, PAYLOAD);
    });
    const events: PullProgress[] = [];
    const result = await pullModel(server.url('/model.gguf'), { dir, ...FAST, onProgress: (p) => events.push({ ...p }) });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.headers.range).toBeUndefined();
    const resumeAt = partialSizeSeen[0]!;
    expect(resumeAt).toBeGreaterThan(0);
    expect(resumeAt).toBeLessThanOrEqual(100_000);
    expect(server.requests[1]!.headers.range).toBe(`bytes=${resumeAt}-`);
    expect(result.resumed).toBe(true);
    expect(result.sha256).toBe(PAYLOAD_SHA);
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
    expectMonotonic(events);
  });

  test('a server that ignores Range (200) makes the download start over', async () => {
    // Garbage in the partial file: if it were kept, the result could not equal the payload.
    await writeFile(partialPath(), Buffer.alloc(50_000, 0x55));
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-length': PAYLOAD.length }).end(PAYLOAD);
    });
    const result = await pullModel(server.url('/model.gguf'), { dir, sha256: PAYLOAD_SHA });
    expect(server.requests[0]!.headers.range).toBe('bytes=50000-');
    expect(result.resumed).toBe(false);
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
  });

  test('a 206 whose Content-Range does not start at the offset restarts from zero', async () => {
    await writeFile(partialPath(), PAYLOAD.subarray(0, 1000));
    server.handle((req, res, index) => {
      if (index === 0) {
        res.writeHead(206, { 'content-range': `bytes 0-${PAYLOAD.length - 1}/${PAYLOAD.length}` }).end(PAYLOAD);
        return;
      }
      serveWithRanges(req, res, PAYLOAD);
    });
    const result = await pullModel(server.url('/model.gguf'), { dir, ...FAST });
    expect(server.requests.map((r) => r.headers.range)).toEqual(['bytes=1000-', undefined]);
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
    expect(result.sha256).toBe(PAYLOAD_SHA);
  });

  test('416 with the partial already complete finishes without fetching a body', async () => {
    await writeFile(partialPath(), PAYLOAD);
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const result = await pullModel(server.url('/model.gguf'), { dir, sha256: PAYLOAD_SHA });
    expect(server.requests.map((r) => r.headers.range)).toEqual([`bytes=${PAYLOAD.length}-`]);
    expect(result).toEqual({ path: finalPath(), size: PAYLOAD.length, sha256: PAYLOAD_SHA, resumed: true });
  });

  test('416 for a partial larger than the file starts over', async () => {
    await writeFile(partialPath(), Buffer.concat([PAYLOAD, Buffer.from('extra')]));
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    await pullModel(server.url('/model.gguf'), { dir, ...FAST });
    expect(server.requests.map((r) => r.headers.range)).toEqual([`bytes=${PAYLOAD.length + 5}-`, undefined]);
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
  });

  test('404 is DOWNLOAD_FAILED naming the status and URL, without retries', async () => {
    server.handle((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
    });
    const url = server.url('/missing/model.gguf');
    const err = await expectLoomError(pullModel(url, { dir, ...FAST }), 'DOWNLOAD_FAILED');
    expect(err.message).toContain('404');
    expect(err.message).toContain(url);
    expect(server.requests).toHaveLength(1);
    expect(existsSync(finalPath())).toBe(false);
  });

  test('503 is retried', async () => {
    server.handle((req, res, index) => {
      if (index === 0) res.writeHead(503).end();
      else serveWithRanges(req, res, PAYLOAD);
    });
    const result = await pullModel(server.url('/model.gguf'), { dir, ...FAST });
    expect(server.requests).toHaveLength(2);
    expect(result.sha256).toBe(PAYLOAD_SHA);
  });

  test('gives up after maxAttempts dropped connections and keeps the partial', async () => {
    server.handle((req, res) => {
      const start = rangeStart(req) ?? 0;
      const headers = start === 0
        ? { 'content-length': PAYLOAD.length }
        : { 'content-length': PAYLOAD.length - start, 'content-range': `bytes ${start}-${PAYLOAD.length - 1}/${PAYLOAD.length}` };
      sendThenDrop(res, start === 0 ? 200 : 206, headers, PAYLOAD.subarray(start, start + 1000));
    });
    const err = await expectLoomError(pullModel(server.url('/model.gguf'), { dir, retryDelayMs: 1, maxAttempts: 3 }), 'DOWNLOAD_FAILED');
    expect(err.message).toContain('3 attempts');
    expect(server.requests).toHaveLength(3);
    expect(existsSync(finalPath())).toBe(false);
    const partial = await readFile(partialPath());
    expect(partial.equals(PAYLOAD.subarray(0, partial.length))).toBe(true);
  });

  test('a wrong checksum is CHECKSUM_MISMATCH and leaves neither the file nor the partial', async () => {
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const wrong = 'ab'.repeat(32);
    const err = await expectLoomError(pullModel(server.url('/model.gguf'), { dir, sha256: wrong }), 'CHECKSUM_MISMATCH');
    expect(err.message).toContain(PAYLOAD_SHA);
    expect(existsSync(finalPath())).toBe(false);
    expect(existsSync(partialPath())).toBe(false);
  });

  test('a body that is not GGUF (an HTML page) is rejected', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html>Sign in</html>');
    });
    const err = await expectLoomError(pullModel(server.url('/model.gguf'), { dir }), 'INVALID_GGUF');
    expect(err.message).toContain('<!DO');
    expect(existsSync(finalPath())).toBe(false);
    expect(existsSync(partialPath())).toBe(false);
  });

  test('a size that differs from the server length is DOWNLOAD_FAILED', async () => {
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const err = await expectLoomError(pullModel(server.url('/model.gguf'), { dir, size: PAYLOAD.length + 1 }), 'DOWNLOAD_FAILED');
    expect(err.message).toContain(String(PAYLOAD.length));
    expect(existsSync(finalPath())).toBe(false);
  });

  test('abort keeps the partial file, and a later call resumes it', async () => {
    const sent = 100_000;
    server.handle((_req, res) => {
      // Sends a prefix and then stalls, as a slow server would.
      res.writeHead(200, { 'content-length': PAYLOAD.length });
      res.write(PAYLOAD.subarray(0, sent));
    });
    const controller = new AbortController();
    const aborted = pullModel(server.url('/model.gguf'), {
      dir,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.received >= sent) controller.abort(new Error('user cancelled'));
      },
    });
    const err = await expectLoomError(aborted, 'ABORTED');
    expect((err.cause as Error).message).toBe('user cancelled');
    expect(existsSync(finalPath())).toBe(false);
    const kept = statSync(partialPath()).size;
    expect(kept).toBe(sent);

    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const result = await pullModel(server.url('/model.gguf'), { dir, sha256: PAYLOAD_SHA });
    expect(server.requests[0]!.headers.range).toBe(`bytes=${kept}-`);
    expect(result.resumed).toBe(true);
    expect((await readFile(finalPath())).equals(PAYLOAD)).toBe(true);
  });

  test('an already aborted signal throws before any request', async () => {
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    await expectLoomError(pullModel(server.url('/model.gguf'), { dir, signal: AbortSignal.abort() }), 'ABORTED');
    expect(server.requests).toHaveLength(0);
  });

  test('an existing destination is verified and returned without a request', async () => {
    await writeFile(finalPath(), PAYLOAD);
    server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
    const result = await pullModel(server.url('/model.gguf'), { dir, sha256: PAYLOAD_SHA });
    expect(result).toEqual({ path: finalPath(), size: PAYLOAD.length, sha256: PAYLOAD_SHA, resumed: false });
    await expectLoomError(pullModel(server.url('/model.gguf'), { dir, sha256: '00'.repeat(32) }), 'CHECKSUM_MISMATCH');
    expect(server.requests).toHaveLength(0);
    // force downloads again and replaces the file.
    await writeFile(finalPath(), fakeGguf(1000));
    const forced = await pullModel(server.url('/model.gguf'), { dir, force: true });
    expect(forced.sha256).toBe(PAYLOAD_SHA);
    expect(server.requests).toHaveLength(1);
  });

  test('fileName picks the destination name and fetchImpl replaces fetch', async () => {
    const seen: string[] = [];
    const fetchImpl = (async (input: string | URL | Request) => {
      seen.push(String(input));
      return new Response(PAYLOAD, { status: 200, headers: { 'content-length': String(PAYLOAD.length) } });
    }) as typeof fetch;
    const result = await pullModel('https://example.invalid/x/y', { dir, fileName: 'custom.gguf', fetchImpl });
    expect(seen).toEqual(['https://example.invalid/x/y']);
    expect(result.path).toBe(path.join(dir, 'custom.gguf'));
    expect(result.sha256).toBe(PAYLOAD_SHA);
  });

  test('arguments are validated', async () => {
    await expect(pullModel('ftp://host/file.gguf', { dir })).rejects.toThrow(RangeError);
    await expect(pullModel('not a url', { dir })).rejects.toThrow(/url must be an http\(s\) URL/);
    await expect(pullModel(server.url('/m.gguf'), { dir, sha256: 'xyz' })).rejects.toThrow(/options\.sha256 must be a SHA-256/);
    await expect(pullModel(server.url('/m.gguf'), { dir, fileName: '../evil.gguf' })).rejects.toThrow(RangeError);
    await expect(pullModel(server.url('/dir/'), { dir })).rejects.toThrow(/ends in a file name/);
    await expect(pullModel(server.url('/m.gguf'), { dir, maxAttempts: 0 })).rejects.toThrow(/options\.maxAttempts/);
  });
});
