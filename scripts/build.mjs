#!/usr/bin/env node
// Builds the native addon (and, with --reference, llama.cpp's reference tools) with cmake-js.
//   npm run build -- --backend=cuda      (or LLAMA_LOOM_BACKEND=cuda)
//   LLAMA_LOOM_PORTABLE=1 npm run build  (no -march=native: x86-64-v3 kernels)
//   npm run build -- --reference         (llama-perplexity, llama-completion, llama-bench, llama-batched-bench, loom-ref-*)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { prepareLlama } from './prepare-llama.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const BACKENDS = ['cpu', 'cuda', 'metal', 'vulkan'];
export const REFERENCE_TARGETS = ['llama-perplexity', 'llama-completion', 'llama-bench', 'llama-batched-bench', 'loom-ref-logits', 'loom-ref-perplexity', 'loom-ref-tg'];

function parseArgs(argv) {
  const opts = {
    backend: process.env.LLAMA_LOOM_BACKEND || (process.platform === 'darwin' ? 'metal' : 'cpu'),
    portable: ['1', 'true', 'on'].includes(String(process.env.LLAMA_LOOM_PORTABLE || '').toLowerCase()),
    // AMX is on unless switched off (LLAMA_LOOM_AMX=0 or --no-amx).
    amx: !['0', 'false', 'off', 'no'].includes(String(process.env.LLAMA_LOOM_AMX || '').toLowerCase()),
    reference: false,
    debug: false,
    clean: false,
    buildDir: join(root, 'build'),
    cudaArch: process.env.LLAMA_LOOM_CUDA_ARCH || '',
  };
  for (const arg of argv) {
    if (arg.startsWith('--backend=')) opts.backend = arg.slice('--backend='.length);
    else if (arg === '--portable') opts.portable = true;
    else if (arg === '--amx') opts.amx = true;
    else if (arg === '--no-amx') opts.amx = false;
    else if (arg === '--reference') opts.reference = true;
    else if (arg === '--debug') opts.debug = true;
    else if (arg === '--clean') opts.clean = true;
    else if (arg.startsWith('--build-dir=')) opts.buildDir = join(root, arg.slice('--build-dir='.length));
    else if (arg.startsWith('--cuda-arch=')) opts.cudaArch = arg.slice('--cuda-arch='.length);
    else throw new Error(`unknown option ${arg} (expected --backend=cpu|cuda|metal|vulkan, --portable, --amx, --no-amx, --reference, --debug, --clean, --build-dir=DIR, --cuda-arch=LIST)`);
  }
  if (!BACKENDS.includes(opts.backend)) {
    throw new Error(`backend must be one of ${BACKENDS.join(', ')}; received "${opts.backend}"`);
  }
  return opts;
}

function checkTool(cmd, args, hint) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} not found: ${hint}`);
}

// Two builds in one folder corrupt each other (parallel jest workers, an IDE, a second terminal):
// take a lock directory, waiting for a live holder and breaking a dead one's lock.
function withLock(buildDir, fn) {
  const lock = join(buildDir, '.loom-build.lock');
  mkdirSync(buildDir, { recursive: true });
  const deadline = Date.now() + 30 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let pid = 0;
      try { pid = Number(readFileSync(join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
      let alive = false;
      if (pid) { try { process.kill(pid, 0); alive = true; } catch { alive = false; } }
      if (pid && !alive) { rmSync(lock, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`another build holds ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function build(argv = []) {
  const opts = parseArgs(argv);
  return withLock(opts.buildDir, () => buildUnlocked(opts));
}

function buildUnlocked(opts) {
  checkTool('cmake', ['--version'], 'install CMake >= 3.18 (apt-get install cmake / brew install cmake)');
  if (process.platform !== 'win32') checkTool('c++', ['--version'], 'install a C++17 compiler (apt-get install g++ / xcode-select --install)');
  if (opts.backend === 'cuda') checkTool('nvcc', ['--version'], 'install the CUDA toolkit (nvcc on PATH)');
  const commit = prepareLlama();
  const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const defines = [
    `--CDLOOM_BACKEND=${opts.backend}`,
    `--CDLOOM_NATIVE=${opts.portable ? 'OFF' : 'ON'}`,
    `--CDLOOM_AMX=${opts.amx ? 'ON' : 'OFF'}`,
    `--CDLOOM_LLAMA_COMMIT=${commit}`,
    ...(opts.cudaArch ? [`--CDCMAKE_CUDA_ARCHITECTURES=${opts.cudaArch}`] : []),
    // Extra CMake cache entries, e.g. LLAMA_LOOM_CMAKE_ARGS="-DGGML_CUDA_FA=OFF -DCUDA_cublas_LIBRARY=/x/libcublas.so"
    ...String(process.env.LLAMA_LOOM_CMAKE_ARGS || '').split(/\s+/).filter(Boolean).map((a) => {
      if (!/^-D[A-Za-z_][A-Za-z0-9_]*(:[A-Z]+)?=/.test(a)) throw new Error(`LLAMA_LOOM_CMAKE_ARGS entries must look like -DNAME=VALUE; received "${a}"`);
      return `--CD${a.slice(2).replace(/^([^:=]+):[A-Z]+=/, '$1=')}`;
    }),
  ];
  const common = ['--directory', root, '--out', opts.buildDir, ...(opts.debug ? ['--debug'] : []), ...defines];
  const cache = join(opts.buildDir, 'CMakeCache.txt');
  if (opts.clean || !existsSync(cache)) run(process.execPath, [cmakeJs, 'rebuild', ...common]);
  else {
    // `compile` reuses the cached configuration: when a switch changed (--portable, --no-amx,
    // another backend), configure again first so the build follows what was asked.
    if (changedSwitches(cache, defines).length > 0) run(process.execPath, [cmakeJs, 'configure', ...common]);
    run(process.execPath, [cmakeJs, 'compile', ...common]);
  }
  if (opts.reference) {
    run('cmake', ['--build', opts.buildDir, '--config', opts.debug ? 'Debug' : 'Release', '--target', ...REFERENCE_TARGETS]);
  }
}

/** LOOM_* switches among `defines` whose value differs from the one in the CMake cache. */
function changedSwitches(cachePath, defines) {
  const text = readFileSync(cachePath, 'utf8');
  return defines.filter((d) => {
    const m = /^--CD(LOOM_(?:BACKEND|NATIVE|AMX))=(.*)$/.exec(d);
    if (!m) return false;
    const cached = new RegExp(`^${m[1]}:[A-Z]+=(.*)$`, 'm').exec(text);
    return !cached || cached[1] !== m[2];
  });
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    build(process.argv.slice(2));
  } catch (err) {
    console.error(`llama-loom build failed: ${err.message}`);
    process.exit(1);
  }
}
