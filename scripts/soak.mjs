#!/usr/bin/env node
// Soak test (npm run soak): many generations on one context, then many load/dispose cycles,
// sampling the process's resident memory. Prints RSS growth after warm-up (the first 10 %) for
// each phase, the growth over the second half (a leak grows steadily; V8 and allocator warm-up
// grow in a few steps and then stay flat), and where the memory is: V8's heap, memory V8 accounts
// outside it, and the native heap as glibc's malloc reports it (in use vs. free but kept). Exit
// code 1 when RSS outside V8's heap or V8's live heap grows by 5 % or more after warm-up and is
// still growing in the second half (> 1 %).
// Options: --generations 2000 --cycles 200 --tokens 16 --model PATH.
// Uses the built library (dist/; rebuilt when lib/ is newer) and, by default, the embedded model
// (models/llama-loom-brown-4m-f16.gguf: what `generate` runs without -m), or a 0.6 MB random
// model when that file is absent. (With the 0.6 MB model the whole process is ~70 MiB, so V8
// resizing its heap by 4-5 MiB once reads as 7 %; see docs/safety.md.)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    generations: { type: 'string', default: '2000' },
    cycles: { type: 'string', default: '200' },
    tokens: { type: 'string', default: '16' },
    model: { type: 'string' },
  },
});
const generations = Number(values.generations);
const cycles = Number(values.cycles);
const tokens = Number(values.tokens);
for (const [name, v] of [['generations', generations], ['cycles', cycles], ['tokens', tokens]]) {
  if (!Number.isInteger(v) || v < 10) throw new RangeError(`--${name} must be an integer >= 10; received ${v}`);
}

function newestTs(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestTs(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return newest;
}
const distIndex = join(root, 'dist', 'index.js');
if (!existsSync(distIndex) || statSync(distIndex).mtimeMs < newestTs(join(root, 'lib'))) {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  } catch (err) {
    if (!existsSync(distIndex)) throw err; // tsc still emits when unrelated files fail to type-check
  }
}
const lib = await import(pathToFileURL(distIndex).href);

// A forced full GC before each sample keeps garbage that is merely uncollected out of the figures.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
// The breakdown tells where growth comes from: V8's heap (heapUsed; heapTotal is what it has
// committed), memory V8 accounts for outside its heap (external, of which arrayBuffers), and the
// native heap as glibc sees it (mallinfo2 via the addon: in use vs. free but still resident in
// its arenas). What RSS adds beyond these is code, stacks and mapped files.
const MiB = 2 ** 20;
const { native } = await import(pathToFileURL(join(root, 'dist', 'native.js')).href);
const mallocStats = typeof native().mallocStats === 'function' ? () => native().mallocStats() : () => null;
const sample = () => {
  gc(); gc();
  const u = process.memoryUsage();
  const m = mallocStats();
  return {
    rss: u.rss / MiB, heap: u.heapUsed / MiB, heapTotal: u.heapTotal / MiB, external: u.external / MiB, arrayBuffers: u.arrayBuffers / MiB,
    mallocUsed: m ? m.inUse / MiB : NaN, mallocFree: m ? m.free / MiB : NaN, arenas: m ? m.arenas : NaN,
  };
};
const fmt = (v) => (Number.isNaN(v) ? 'n/a' : v.toFixed(1));
const breakdown = (a, b) => [
  ['rss', 'rss'], ['heapUsed', 'heap'], ['heapTotal', 'heapTotal'], ['external', 'external'], ['arrayBuffers', 'arrayBuffers'],
  ['malloc in use', 'mallocUsed'], ['malloc free', 'mallocFree'],
].map(([label, k]) => `${label} ${fmt(a[k])} -> ${fmt(b[k])} (${Number.isNaN(a[k]) ? 'n/a' : `${b[k] - a[k] >= 0 ? '+' : ''}${(b[k] - a[k]).toFixed(2)}`})`).join(', ');

const embedded = lib.defaultModelPath();
const modelPath = values.model ?? (existsSync(embedded) ? embedded : join(root, '.cache', 'fixtures', 'soak-tiny-f32.gguf'));
console.log(`model: ${modelPath}`);
if (!existsSync(modelPath) && values.model === undefined) {
  mkdirSync(dirname(modelPath), { recursive: true });
  const tmp = `${modelPath}.${process.pid}.tmp`;
  await lib.gguf.writeLlamaFixture(tmp, { nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 256, seed: 1, type: 'f32', vocab: { kind: 'tiny' } });
  renameSync(tmp, modelPath);
}

/** Runs `n` steps, sampling RSS every `every`; growth is measured from the end of the first 10 %. */
async function phase(name, n, every, step) {
  const samples = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await step(i);
    if ((i + 1) % every === 0) samples.push({ at: i + 1, ...sample() });
  }
  const seconds = (performance.now() - t0) / 1000;
  const warm = samples.find((s) => s.at >= n / 10) ?? samples[0];
  const mid = samples[Math.floor(samples.length / 2) - 1];
  const last = samples[samples.length - 1];
  const pct = (a, b) => ((b - a) / a) * 100;
  const growth = pct(warm.rss, last.rss);
  console.log(`\n${name}: ${n} in ${seconds.toFixed(1)} s`);
  console.log(`  RSS (MiB) every ${every}: ${samples.map((s) => s.rss.toFixed(1)).join(' ')}`);
  console.log(`  after warm-up (${warm.at}): ${warm.rss.toFixed(1)} MiB, end: ${last.rss.toFixed(1)} MiB, growth ${growth.toFixed(2)} %`);
  // A leak grows at a steady rate; allocator and JIT warm-up flatten out, so the second half tells them apart.
  console.log(`  second half (${mid.at} -> ${last.at}): ${pct(mid.rss, last.rss).toFixed(2)} %`);
  console.log(`  breakdown after warm-up -> end, MiB: ${breakdown(warm, last)}${Number.isNaN(last.arenas) ? '' : `; malloc arenas ${warm.arenas} -> ${last.arenas}`}`);
  console.log(`  malloc in use every ${every} (MiB): ${samples.map((s) => fmt(s.mallocUsed)).join(' ')}`);
  console.log(`  V8 heapTotal every ${every} (MiB): ${samples.map((s) => fmt(s.heapTotal)).join(' ')}`);
  // RSS less what V8 has committed for its heap: native memory, code, stacks and mapped files.
  const outside = pct(warm.rss - warm.heapTotal, last.rss - last.heapTotal);
  console.log(`  RSS outside V8's heap (rss - heapTotal): ${(warm.rss - warm.heapTotal).toFixed(1)} -> ${(last.rss - last.heapTotal).toFixed(1)} MiB, growth ${outside.toFixed(2)} %`);
  const heapUsed = pct(warm.heap, last.heap);
  console.log(`  V8 heapUsed (live JS objects after a full GC): ${warm.heap.toFixed(1)} -> ${last.heap.toFixed(1)} MiB, growth ${heapUsed.toFixed(2)} %`);
  return {
    growth, late: pct(mid.rss, last.rss), outside,
    lateOutside: pct(mid.rss - mid.heapTotal, last.rss - last.heapTotal), heapUsed, lateHeapUsed: pct(mid.heap, last.heap),
  };
}

const startRss = sample().rss;
const model = await lib.loadModel(modelPath);
const ctx = await model.createContext({ contextSize: 256, sequences: 4, threads: 2 });
// Rotate through the strategies so every code path that holds buffers is exercised.
const configs = [
  { maxNewTokens: tokens },
  { maxNewTokens: tokens, doSample: true, temperature: 0.9, topK: 40, topP: 0.95 },
  { maxNewTokens: tokens, numBeams: 3, numReturnSequences: 2 },
  { maxNewTokens: tokens, doSample: true, numReturnSequences: 4, repetitionPenalty: 1.2 },
];
const prompts = ['Once upon a time', 'The quick brown fox', 'In the beginning', 'Water is'];
let generated = 0;
const genGrowth = await phase(`generations (${tokens} new tokens each, one context)`, generations, generations / 20, async (i) => {
  const res = await lib.generate(ctx, prompts[i % prompts.length], { ...configs[i % configs.length], seed: i });
  generated += res.tokens.length;
});
ctx.dispose();
model.dispose();

const cycleGrowth = await phase('load / context / decode / dispose cycles', cycles, cycles / 20, async () => {
  const m = await lib.loadModel(modelPath);
  const c = await m.createContext({ contextSize: 128, threads: 2 });
  await c.decode({ tokens: m.tokenize('Hello there') });
  c.logits();
  c.dispose();
  m.dispose();
});

const tuning = native().mallocStats?.();
console.log(`\nstart ${startRss.toFixed(1)} MiB; ${generated} tokens generated; malloc: ${tuning ? `glibc, mmap threshold ${tuning.tuned ? 'fixed by llama-loom' : 'left to glibc (LLAMA_LOOM_MALLOC_TUNING=0 or set by the process)'}` : 'not glibc'}`);
const goal = 5;
// The verdict looks at what a leak would grow: memory outside V8's committed heap (native
// allocations, mappings) and V8's live objects (heapUsed after a full GC), each above the goal
// and still growing in the second half. V8 resizing its committed heap (heapTotal; the young
// generation doubles once under a steady allocation rate) moves raw RSS by a few MiB in one step
// and is reported, not judged.
const leaking = (p) => (p.outside >= goal && p.lateOutside > 1) || (p.heapUsed >= goal && p.lateHeapUsed > 1);
console.log(`RSS growth after warm-up: generations ${genGrowth.growth.toFixed(2)} %, load cycles ${cycleGrowth.growth.toFixed(2)} % (raw, V8 heap resizing included)`);
console.log(`RSS growth outside V8's heap: generations ${genGrowth.outside.toFixed(2)} %, load cycles ${cycleGrowth.outside.toFixed(2)} % (goal < ${goal} %)`);
console.log(`V8 live heap growth: generations ${genGrowth.heapUsed.toFixed(2)} %, load cycles ${cycleGrowth.heapUsed.toFixed(2)} % (goal < ${goal} %)`);
console.log(`verdict: ${leaking(genGrowth) || leaking(cycleGrowth) ? 'STILL GROWING: possible leak' : 'no leak (flat outside V8, flat live JS heap)'}`);
if (leaking(genGrowth) || leaking(cycleGrowth)) process.exitCode = 1;
