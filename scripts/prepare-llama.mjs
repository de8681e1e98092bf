#!/usr/bin/env node
// Unpacks the llama.cpp source tree that node-llama-cpp ships as a git bundle into deps/llama.cpp,
// then applies patches/llama.cpp/*.patch in name order (each says why it exists).
// No network access: the bundle comes from the npm registry with the pinned node-llama-cpp.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const llamaDir = join(root, 'deps', 'llama.cpp');
export const patchDir = join(root, 'patches', 'llama.cpp');
// Inside .git so that `git status` and `git checkout -- .` leave it alone.
const PATCH_STAMP = join('.git', 'loom-patches');

export function bundlePath() {
  // node-llama-cpp's exports map hides package.json, so walk node_modules folders like Node does.
  for (let dir = root; ; dir = dirname(dir)) {
    const bundle = join(dir, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
    if (existsSync(bundle)) return bundle;
    if (dirname(dir) === dir) break;
  }
  throw new Error('node-llama-cpp@3.21.1 (which carries the llama.cpp sources as llama/gitRelease.bundle) is not installed. Run: npm install');
}

function git(args, cwd) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function bundleCommit() {
  const heads = git(['bundle', 'list-heads', bundlePath()], root);
  const commit = heads.split(/\s+/)[0];
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`unexpected bundle heads: ${heads}`);
  return commit;
}

/** The patch files in `dir`, in the order they apply. */
export function llamaPatches(dir = patchDir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.patch')).sort().map((f) => join(dir, f));
}

/** One line naming the bundle commit and every patch's name and content, to tell a stale tree apart. */
function patchStamp(commit, patches) {
  const h = createHash('sha256');
  for (const p of patches) h.update(basename(p)).update('\0').update(readFileSync(p)).update('\0');
  return `${commit} ${h.digest('hex')}\n`;
}

function applyPatches(dir, patches, stamp, quiet) {
  for (const p of patches) {
    if (!quiet) console.log(`llama-loom: applying ${basename(dirname(p))}/${basename(p)}`);
    try {
      git(['apply', '--whitespace=nowarn', p], dir);
    } catch (err) {
      throw new Error(`patch ${p} does not apply to llama.cpp ${stamp.slice(0, 12)}: ${String(err.stderr || err.message).trim()}`);
    }
  }
  writeFileSync(join(dir, PATCH_STAMP), stamp);
}

/**
 * Ensures `dir` (deps/llama.cpp) holds the bundle's commit with the patches of `patches`
 * (patches/llama.cpp) applied; returns that commit.
 */
export function prepareLlama({ quiet = false, dir = llamaDir, patches: patchesDir = patchDir } = {}) {
  try {
    git(['--version'], root);
  } catch {
    throw new Error('git is required to unpack the llama.cpp sources (apt-get install git / xcode-select --install)');
  }
  const want = bundleCommit();
  const patches = llamaPatches(patchesDir);
  const stamp = patchStamp(want, patches);
  if (existsSync(join(dir, '.git'))) {
    let have = '';
    try { have = git(['rev-parse', 'HEAD'], dir); } catch { /* broken checkout: re-clone */ }
    if (have === want && existsSync(join(dir, 'include', 'llama.h'))) {
      const stampPath = join(dir, PATCH_STAMP);
      if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp) return want;
      // Same commit, other patches: restore only what differs (files a patch added go too), so
      // the build stays incremental.
      if (!quiet) console.log('llama-loom: re-applying the llama.cpp patches');
      git(['checkout', '-q', '--', '.'], dir);
      git(['clean', '-fdq'], dir);
      applyPatches(dir, patches, stamp, quiet);
      return want;
    }
  }
  if (!quiet) console.log(`llama-loom: unpacking llama.cpp ${want.slice(0, 12)} into ${dir === llamaDir ? 'deps/llama.cpp' : dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  // LF line endings whatever the user's core.autocrlf says: the patches are LF, and git apply
  // would refuse them against a CRLF checkout (Windows).
  execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '-q', '--config', 'core.autocrlf=false', bundlePath(), dir], { stdio: 'inherit' });
  applyPatches(dir, patches, stamp, quiet);
  return want;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const commit = prepareLlama();
  console.log(commit);
}
