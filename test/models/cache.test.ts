import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { defaultModelsDir, listCachedModels } from '../../lib/models/cache.js';

describe('defaultModelsDir', () => {
  test('LLAMA_LOOM_MODELS_DIR wins over everything', () => {
    const env = { LLAMA_LOOM_MODELS_DIR: '/data/models', XDG_CACHE_HOME: '/xdg', LOCALAPPDATA: 'C:\\Local' };
    expect(defaultModelsDir({ env, platform: 'linux', homeDir: '/home/u' })).toBe('/data/models');
    expect(defaultModelsDir({ env, platform: 'win32', homeDir: 'C:\\Users\\u' })).toBe('/data/models');
  });

  test('XDG_CACHE_HOME comes next, and only when absolute (XDG Base Directory spec)', () => {
    expect(defaultModelsDir({ env: { XDG_CACHE_HOME: '/xdg' }, platform: 'linux', homeDir: '/home/u' })).toBe('/xdg/llama-loom/models');
    expect(defaultModelsDir({ env: { XDG_CACHE_HOME: '/xdg' }, platform: 'darwin', homeDir: '/Users/u' })).toBe('/xdg/llama-loom/models');
    expect(defaultModelsDir({ env: { XDG_CACHE_HOME: 'relative/cache' }, platform: 'linux', homeDir: '/home/u' })).toBe('/home/u/.cache/llama-loom/models');
  });

  test('platform defaults', () => {
    expect(defaultModelsDir({ env: {}, platform: 'linux', homeDir: '/home/u' })).toBe('/home/u/.cache/llama-loom/models');
    expect(defaultModelsDir({ env: {}, platform: 'freebsd', homeDir: '/home/u' })).toBe('/home/u/.cache/llama-loom/models');
    expect(defaultModelsDir({ env: {}, platform: 'darwin', homeDir: '/Users/u' })).toBe('/Users/u/Library/Caches/llama-loom/models');
    expect(defaultModelsDir({ env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, platform: 'win32', homeDir: 'C:\\Users\\u' }))
      .toBe('C:\\Users\\u\\AppData\\Local\\llama-loom\\models');
    expect(defaultModelsDir({ env: {}, platform: 'win32', homeDir: 'C:\\Users\\u' })).toBe('C:\\Users\\u\\AppData\\Local\\llama-loom\\models');
  });
});

describe('listCachedModels', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loom-cache-'));
    await writeFile(path.join(dir, 'zeta.gguf'), Buffer.alloc(10));
    await writeFile(path.join(dir, 'Alpha.GGUF'), Buffer.alloc(3));
    await writeFile(path.join(dir, 'half.gguf.partial'), Buffer.alloc(7));
    await writeFile(path.join(dir, 'notes.txt'), 'hello');
    await mkdir(path.join(dir, 'folder.gguf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('lists finished .gguf files with size and absolute path, sorted by name', async () => {
    const models = await listCachedModels(dir);
    expect(models.map(({ name, size, path: p }) => ({ name, size, path: p }))).toEqual([
      { name: 'Alpha.GGUF', size: 3, path: path.join(dir, 'Alpha.GGUF') },
      { name: 'zeta.gguf', size: 10, path: path.join(dir, 'zeta.gguf') },
    ]);
    // Written in beforeAll, so the modification time is recent (Date is compared by value: jest runs in another realm).
    expect(Math.abs(Date.now() - models[0]!.modifiedAt.getTime())).toBeLessThan(60_000);
  });

  test('a missing folder is an empty cache', async () => {
    await expect(listCachedModels(path.join(dir, 'does-not-exist'))).resolves.toEqual([]);
  });

  test('validates dir', async () => {
    await expect(listCachedModels('')).rejects.toThrow(/dir must be a non-empty string/);
  });
});
