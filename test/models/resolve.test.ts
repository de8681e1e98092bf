import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { authHeadersFor, hfUrl, resolveModelSpec } from '../../lib/models/resolve.js';
import { fakeGguf, serveWithRanges, startLocalServer, type LocalServer } from './local-server.js';

describe('hfUrl', () => {
  test('maps to the Hub resolve endpoint on main by default', () => {
    // The example URL given in the huggingface_hub README for hf_hub_url("julien-c/EsperBERTo-small", "pytorch_model.bin").
    expect(hfUrl('hf:julien-c/EsperBERTo-small/pytorch_model.bin'))
      .toBe('https://huggingface.co/julien-c/EsperBERTo-small/resolve/main/pytorch_model.bin');
    expect(hfUrl('hf:TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf'))
      .toBe('https://huggingface.co/TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/resolve/main/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf');
  });

  test('a revision after @ and nested file paths', () => {
    expect(hfUrl('hf:owner/repo@v1.0/sub/dir/model.gguf')).toBe('https://huggingface.co/owner/repo/resolve/v1.0/sub/dir/model.gguf');
    expect(hfUrl('hf:owner/repo@0123abc/model.gguf')).toBe('https://huggingface.co/owner/repo/resolve/0123abc/model.gguf');
  });

  test('percent-encodes each path segment', () => {
    expect(hfUrl('hf:owner/repo/my model#1.gguf')).toBe('https://huggingface.co/owner/repo/resolve/main/my%20model%231.gguf');
  });

  test('malformed specs are RangeErrors', () => {
    for (const bad of ['hf:owner/model.gguf', 'hf:owner/repo@/model.gguf', 'hf:owner//repo/m.gguf', 'owner/repo/m.gguf', 'hf:o/r/../m.gguf', 'hf:o/r/dir/']) {
      expect(() => hfUrl(bad)).toThrow(RangeError);
    }
    expect(() => hfUrl(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('authHeadersFor', () => {
  test('sends HF_TOKEN to huggingface.co only', () => {
    const env = { HF_TOKEN: 'hf_secret' };
    expect(authHeadersFor('https://huggingface.co/o/r/resolve/main/m.gguf', env)).toEqual({ authorization: 'Bearer hf_secret' });
    expect(authHeadersFor('https://cdn-lfs.huggingface.co/x', env)).toEqual({ authorization: 'Bearer hf_secret' });
    expect(authHeadersFor('https://evil-huggingface.co/x', env)).toEqual({});
    expect(authHeadersFor('https://example.com/m.gguf', env)).toEqual({});
    expect(authHeadersFor('https://huggingface.co/x', {})).toEqual({});
  });
});

describe('resolveModelSpec', () => {
  let server: LocalServer;
  let cache: string;
  let elsewhere: string;
  const payload = fakeGguf(20_000);

  beforeAll(async () => {
    server = await startLocalServer();
    cache = await mkdtemp(path.join(os.tmpdir(), 'loom-resolve-cache-'));
    elsewhere = await mkdtemp(path.join(os.tmpdir(), 'loom-resolve-other-'));
    await writeFile(path.join(cache, 'tiny.gguf'), 'GGUF-cached-tiny');
    await writeFile(path.join(cache, 'exact'), 'GGUF-exact-name');
    await writeFile(path.join(cache, 'exact.gguf'), 'GGUF-exact-with-ext');
    await writeFile(path.join(cache, 'tinyllama.Q4_K_M.gguf'), 'GGUF-from-hf');
    await writeFile(path.join(elsewhere, 'tiny.gguf'), 'GGUF-local-file');
  });
  afterAll(async () => {
    await server.close();
    await rm(cache, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  test('an existing path is returned as an absolute path, before the cache is consulted', async () => {
    const local = path.join(elsewhere, 'tiny.gguf');
    await expect(resolveModelSpec(local, { dir: cache })).resolves.toBe(local);
    const relative = path.relative(process.cwd(), local);
    await expect(resolveModelSpec(relative, { dir: cache })).resolves.toBe(local);
  });

  test('a bare name is looked up in the cache, with or without .gguf; the exact name first', async () => {
    await expect(resolveModelSpec('tiny', { dir: cache })).resolves.toBe(path.join(cache, 'tiny.gguf'));
    await expect(resolveModelSpec('tiny.gguf', { dir: cache })).resolves.toBe(path.join(cache, 'tiny.gguf'));
    await expect(resolveModelSpec('exact', { dir: cache })).resolves.toBe(path.join(cache, 'exact'));
  });

  test('an hf: spec whose file is cached needs no network', async () => {
    server.handle((req, res) => serveWithRanges(req, res, payload));
    await expect(resolveModelSpec('hf:someone/tiny-GGUF/tinyllama.Q4_K_M.gguf', { dir: cache }))
      .resolves.toBe(path.join(cache, 'tinyllama.Q4_K_M.gguf'));
    expect(server.requests).toHaveLength(0);
  });

  test('a URL is served from the cache when present, else downloaded into it', async () => {
    server.handle((req, res) => serveWithRanges(req, res, payload));
    await expect(resolveModelSpec(server.url('/files/tiny.gguf'), { dir: cache })).resolves.toBe(path.join(cache, 'tiny.gguf'));
    expect(server.requests).toHaveLength(0);

    const downloaded = await resolveModelSpec(server.url('/files/fresh.gguf?download=1'), { dir: cache });
    expect(downloaded).toBe(path.join(cache, 'fresh.gguf'));
    expect(server.requests.map((r) => r.path)).toEqual(['/files/fresh.gguf?download=1']);
    expect((await readFile(downloaded)).equals(payload)).toBe(true);
  });

  test('download: false turns a missing URL into NOT_FOUND', async () => {
    server.handle((req, res) => serveWithRanges(req, res, payload));
    await expect(resolveModelSpec(server.url('/other.gguf'), { dir: cache, download: false }))
      .rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(server.requests).toHaveLength(0);
  });

  test('NOT_FOUND lists every place that was tried', async () => {
    const err = await resolveModelSpec('nothing-here', { dir: cache }).catch((e: unknown) => e) as Error & { code: string };
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(path.resolve('nothing-here'));
    expect(err.message).toContain(path.join(cache, 'nothing-here'));
    expect(err.message).toContain(path.join(cache, 'nothing-here.gguf'));

    // A path with separators is not looked up in the cache.
    const missing = path.join(elsewhere, 'missing.gguf');
    const err2 = await resolveModelSpec(missing, { dir: cache }).catch((e: unknown) => e) as Error & { code: string };
    expect(err2.code).toBe('NOT_FOUND');
    expect(err2.message).toBe(`model ${JSON.stringify(missing)} not found; tried: ${missing}`);
  });

  test('validates its arguments', async () => {
    await expect(resolveModelSpec('', { dir: cache })).rejects.toThrow(/spec must be a non-empty string/);
    await expect(resolveModelSpec('hf:bad', { dir: cache })).rejects.toThrow(RangeError);
  });
});
