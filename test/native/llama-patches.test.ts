// The llama.cpp tree the addon and the reference tools are built from carries every patch in
// patches/llama.cpp (scripts/prepare-llama.mjs applies them after unpacking the bundle), and the
// batch checks the first patch narrows still reject what they rejected before.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type Model } from '../../lib/index.js';
import { llamaDir, repoRoot } from '../helpers/paths.js';

const PATCH_DIR = join(repoRoot, 'patches', 'llama.cpp');
const patches = readdirSync(PATCH_DIR).filter((f) => f.endsWith('.patch')).sort();

describe('patches/llama.cpp', () => {
  it('has at least one patch, each explaining itself before its diff', () => {
    expect(patches.length).toBeGreaterThan(0);
    for (const p of patches) {
      const text = readFileSync(join(PATCH_DIR, p), 'utf8');
      const header = text.slice(0, text.indexOf('diff --git'));
      expect(header.trim().length).toBeGreaterThan(80);
    }
  });

  it.each(patches)('%s is applied in deps/llama.cpp', (p) => {
    // A patch that is applied reverses cleanly; one that is missing (or half applied) does not.
    expect(() => execFileSync('git', ['apply', '--reverse', '--check', join(PATCH_DIR, p)], { cwd: llamaDir, stdio: 'pipe' })).not.toThrow();
  });

  it('the tree is the bundle commit plus exactly these patches', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: llamaDir, encoding: 'utf8' }).trim();
    expect(readFileSync(join(llamaDir, '.git', 'loom-patches'), 'utf8').split(' ')[0]).toBe(head);
    const changed = execFileSync('git', ['diff', '--name-only'], { cwd: llamaDir, encoding: 'utf8' }).trim().split('\n').sort();
    const touched = new Set<string>();
    for (const p of patches) {
      for (const m of readFileSync(join(PATCH_DIR, p), 'utf8').matchAll(/^\+\+\+ b\/(.+)$/gm)) touched.add(m[1]!);
    }
    expect(changed).toEqual([...touched].sort());
  });
});

// scripts/prepare-llama.mjs on a scratch tree: a fresh unpack applies the patches; an unchanged
// patch set leaves the tree alone; a changed one is re-applied in place (no re-clone, so the build
// stays incremental), files an old patch added included.
describe('prepare-llama', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loom-prepare-'));
  const dir = join(scratch, 'llama.cpp');
  const patchesDir = join(scratch, 'patches');
  const extra = join(patchesDir, '0002-test-adds-a-file.patch');
  const prepare = (): string => execFileSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(join(repoRoot, 'scripts', 'prepare-llama.mjs'))}); ` +
    `console.log(m.prepareLlama({ quiet: true, dir: ${JSON.stringify(dir)}, patches: ${JSON.stringify(patchesDir)} }));`], { encoding: 'utf8' }).trim();
  const reverseApplies = (patch: string): boolean => {
    try {
      execFileSync('git', ['apply', '--reverse', '--check', patch], { cwd: dir, stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  const mtime = (f: string): number => statSync(join(dir, f)).mtimeMs;
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('unpacks, patches, then leaves an up-to-date tree alone and re-patches a stale one in place', () => {
    mkdirSync(patchesDir);
    for (const p of patches) copyFileSync(join(PATCH_DIR, p), join(patchesDir, p));
    const commit = prepare();
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(execFileSync('git', ['config', 'core.autocrlf'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('false');
    for (const p of patches) expect(reverseApplies(join(patchesDir, p))).toBe(true);
    const header = mtime('include/llama.h');

    // Unchanged: nothing is touched.
    const patched = patches.length > 0 ? mtime('src/llama-batch.cpp') : 0;
    expect(prepare()).toBe(commit);
    expect(mtime('include/llama.h')).toBe(header);
    if (patches.length > 0) expect(mtime('src/llama-batch.cpp')).toBe(patched);

    // A patch that adds a file: applied in place, no re-clone.
    writeFileSync(extra, 'A test patch.\n\ndiff --git a/LOOM_TEST.txt b/LOOM_TEST.txt\nnew file mode 100644\n--- /dev/null\n+++ b/LOOM_TEST.txt\n@@ -0,0 +1 @@\n+added by a test patch\n');
    expect(prepare()).toBe(commit);
    expect(readFileSync(join(dir, 'LOOM_TEST.txt'), 'utf8')).toBe('added by a test patch\n');
    for (const p of patches) expect(reverseApplies(join(patchesDir, p))).toBe(true);
    expect(mtime('include/llama.h')).toBe(header);

    // And removed again: its file goes, the others stay applied.
    unlinkSync(extra);
    expect(prepare()).toBe(commit);
    expect(existsSync(join(dir, 'LOOM_TEST.txt'))).toBe(false);
    for (const p of patches) expect(reverseApplies(join(patchesDir, p))).toBe(true);
    expect(mtime('include/llama.h')).toBe(header);
  });
});

describe('a unified KV cache still validates batches (0001 skips only the coupled-pair walk)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(join(repoRoot, 'models', 'llama-loom-brown-4m-f16.gguf'));
  });
  afterAll(() => model?.dispose());

  it('rejects a sequence that skips a position, accepts four that continue in step', async () => {
    const ctx = await model.createContext({ contextSize: 128, sequences: 4, threads: 1 });
    try {
      await ctx.decode({ tokens: [1, 1, 1, 1], positions: [0, 0, 0, 0], seqIds: [0, 1, 2, 3], logits: 'all' });
      await ctx.decode({ tokens: [5, 6, 7, 8], positions: [1, 1, 1, 1], seqIds: [0, 1, 2, 3], logits: 'all' });
      await expect(ctx.decode({ tokens: [9], positions: [5], seqIds: [2] })).rejects.toMatchObject({ code: 'INVALID_BATCH' });
      await expect(ctx.decode({ tokens: [9, 9], positions: [2, 3], seqIds: [1, 1] })).resolves.toBeUndefined();
    } finally {
      ctx.dispose();
    }
  });
});
