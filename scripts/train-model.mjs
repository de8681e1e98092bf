#!/usr/bin/env node
// Trains llama-loom's embedded default model (lib/train/recipe.ts) and writes models/*.gguf and
// models/README.md. Compiles the TypeScript into dist/ first (skip with --no-build).
//   npm run train-model                         full recipe, ~15-20 min on two cores
//   npm run train-model -- --quick --out /tmp/m.gguf --card /tmp/card.md
//   options: --epochs N  --threads N  --seed N  --lr X  --out PATH  --card PATH|none
//            --result PATH (everything measured, as JSON)  --no-build
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { build: true, recipe: {}, result: undefined };
  const value = (i, name) => {
    if (i + 1 >= argv.length) throw new Error(`${name} needs a value`);
    return argv[i + 1];
  };
  const int = (s, name) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer; received ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.recipe.quick = true;
    else if (a === '--no-build') opts.build = false;
    else if (a === '--epochs') opts.recipe.epochs = int(value(i++, a), a);
    else if (a === '--threads') opts.recipe.threads = int(value(i++, a), a);
    else if (a === '--seed') opts.recipe.seed = Number(value(i++, a));
    else if (a === '--lr') opts.recipe.learningRate = Number(value(i++, a));
    else if (a === '--out') opts.recipe.out = resolve(value(i++, a));
    else if (a === '--result') opts.result = resolve(value(i++, a));
    else if (a === '--card') {
      const c = value(i++, a);
      opts.recipe.card = c === 'none' ? null : resolve(c);
    } else throw new Error(`unknown option ${a} (see the header of scripts/train-model.mjs)`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const recipePath = join(root, 'dist', 'train', 'recipe.js');
if (opts.build) {
  console.error('compiling TypeScript (tsc -p tsconfig.build.json) ...');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  // tsc still emits when files outside the recipe have type errors; only a missing output is fatal.
  if (tsc.status !== 0) console.error(`tsc exited with status ${tsc.status}; continuing with what it emitted`);
}
if (!existsSync(recipePath)) {
  console.error(`${recipePath} is missing: run npm run build:ts (or drop --no-build)`);
  process.exit(1);
}

const { runRecipe } = await import(pathToFileURL(recipePath).href);
const controller = new AbortController();
process.once('SIGINT', () => {
  console.error('stopping after the current step ...');
  controller.abort();
});
const stamp = () => new Date().toISOString().slice(11, 19);
const result = await runRecipe({ ...opts.recipe, signal: controller.signal, log: (line) => console.error(`[${stamp()}] ${line}`) });
if (opts.result) writeFileSync(opts.result, JSON.stringify(result, null, 2));
console.log(JSON.stringify({
  out: result.out,
  bytes: result.outBytes,
  parameters: result.model.nParams,
  steps: result.training.steps,
  trainingMinutes: +(result.training.seconds / 60).toFixed(2),
  totalMinutes: +(result.seconds / 60).toFixed(2),
  perplexityBefore: +result.before.perplexity.toFixed(3),
  perplexityAfter: +result.after.perplexity.toFixed(3),
  perplexityAfterF16: +result.afterF16.perplexity.toFixed(3),
  bitsPerByteAfterF16: +result.afterF16.bitsPerByte.toFixed(4),
  samples: result.samples.map((s) => s.text),
}, null, 2));
