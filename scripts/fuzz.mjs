#!/usr/bin/env node
// Long fuzz run over mutated GGUF files (npm run fuzz -- --count 5000 --seed 7). Every file is
// loaded in a child process (load, then a context and one decode when the load succeeds); a
// process that dies or hangs is a failure. --no-validate skips the pre-load validator to show what
// llama.cpp alone does with the same files. --only 12,40 reruns single mutants of a seed.
// The generator and runner are TypeScript under test/reliability; they are compiled into
// .cache/reliability-build first, and the library itself into dist/ when lib/ is newer.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    'no-validate': { type: 'boolean', default: false },
    only: { type: 'string' },
    timeout: { type: 'string', default: '30000' },
    verbose: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 1) throw new RangeError(`--count must be a positive integer; received ${values.count}`);
if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed must be a non-negative integer; received ${values.seed}`);

const out = join(root, '.cache', 'reliability-build');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [
  tsc, '--outDir', out, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
  '--lib', 'es2023,esnext.disposable', '--types', 'node', '--skipLibCheck', '--strict', '--isolatedModules',
  join(root, 'test', 'reliability', 'fuzz-runner.ts'), join(root, 'test', 'reliability', 'dist.ts'), join(root, 'test', 'helpers', 'fixtures.ts'),
], { stdio: 'inherit' });
const load = (p) => import(pathToFileURL(join(out, p)).href);
const { runFuzz, summarize } = await load('test/reliability/fuzz-runner.js');
const { ensureDist } = await load('test/reliability/dist.js');
const { fixturePath } = await load('test/helpers/fixtures.js');
ensureDist(root);

const names = ['tiny-f32', 'tiny-f16', 'tiny-q8_0', 'tiny-q4_0'];
const sources = [];
for (const name of names) sources.push({ name, path: await fixturePath(name) });
const only = values.only ? values.only.split(',').map(Number) : undefined;
const validate = !values['no-validate'];

const t0 = performance.now();
let done = 0;
const failures = [];
const results = await runFuzz({
  count, seed, sources, validate, only, timeoutMs: Number(values.timeout),
  onResult(mutant, outcome) {
    done++;
    const bad = outcome.outcome === 'crash' || outcome.outcome === 'hang' || outcome.outcome === 'error';
    if (bad) failures.push({ mutant, outcome });
    if (bad || values.verbose) {
      const detail = outcome.outcome === 'refused' ? `${outcome.code} at ${outcome.stage}` : outcome.outcome === 'crash' ? `signal ${outcome.signal} exit ${outcome.exitCode}` : '';
      console.log(`#${mutant.index} [${mutant.category}] ${mutant.description} -> ${outcome.outcome.toUpperCase()} ${detail}`);
      if (outcome.outcome === 'crash' || outcome.outcome === 'hang') console.log(`    ${outcome.stderr.trim().split('\n').slice(-3).join('\n    ')}`);
    }
    if (done % 500 === 0) console.error(`${done}/${only?.length ?? count} files, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  },
});
const seconds = (performance.now() - t0) / 1000;
const s = summarize(results);
console.log(`\nfuzz: ${s.total} files, seed ${seed}, validator ${validate ? 'on' : 'OFF'}, ${seconds.toFixed(1)} s (${(seconds / s.total * 1000).toFixed(1)} ms/file)`);
console.log('outcomes:', JSON.stringify(s.outcomes));
console.log('refusal codes:', JSON.stringify(s.codes));
console.log('by category:');
for (const [c, o] of Object.entries(s.categories).sort()) console.log(`  ${c.padEnd(16)} ${JSON.stringify(o)}`);
if (failures.length) {
  console.log(`\n${failures.length} failure(s); rerun one with: npm run fuzz -- --seed ${seed} --only ${failures.slice(0, 5).map((f) => f.mutant.index).join(',')}${validate ? '' : ' --no-validate'}`);
  process.exitCode = 1;
}
