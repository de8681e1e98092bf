#!/usr/bin/env node
// Unpacks the llama.cpp source tree that node-llama-cpp ships as a git bundle into deps/llama.cpp.
// No network access: the bundle comes from the npm registry with the pinned node-llama-cpp.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const llamaDir = join(root, 'deps', 'llama.cpp');

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

/** Ensures deps/llama.cpp holds the bundle's commit; returns that commit. */
export function prepareLlama({ quiet = false } = {}) {
  try {
    git(['--version'], root);
  } catch {
    throw new Error('git is required to unpack the llama.cpp sources (apt-get install git / xcode-select --install)');
  }
  const want = bundleCommit();
  if (existsSync(join(llamaDir, '.git'))) {
    let have = '';
    try { have = git(['rev-parse', 'HEAD'], llamaDir); } catch { /* broken checkout: re-clone */ }
    if (have === want && existsSync(join(llamaDir, 'include', 'llama.h'))) return want;
  }
  if (!quiet) console.log(`llama-loom: unpacking llama.cpp ${want.slice(0, 12)} into deps/llama.cpp`);
  rmSync(llamaDir, { recursive: true, force: true });
  mkdirSync(dirname(llamaDir), { recursive: true });
  execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '-q', bundlePath(), llamaDir], { stdio: 'inherit' });
  return want;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const commit = prepareLlama();
  console.log(commit);
}
