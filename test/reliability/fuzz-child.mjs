// Child process of the fuzz runner: loads each listed model file in turn through the built library
// (dist/), and when the load succeeds creates a small context and decodes once. It prints
// "@@begin <i>" before and "@@end <i> <json>" after each file, synchronously, so when llama.cpp
// kills the process the parent knows which file did it.
// Usage: node fuzz-child.mjs <list.json> <start index> <validate: 1|0> <dist/index.js path>
import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [listPath, startArg, validateArg, distIndex] = process.argv.slice(2);
const { loadModel } = await import(pathToFileURL(distIndex).href);
const files = JSON.parse(readFileSync(listPath, 'utf8'));
const validate = validateArg !== '0';

const say = (line) => writeSync(1, `${line}\n`);

async function exercise(path) {
  let stage = 'load';
  let model;
  let context;
  try {
    model = await loadModel(path, { validate });
    stage = 'tokenize';
    const ids = model.tokenize('Hello world, the quick brown fox');
    const tokens = ids.length > 0 ? ids.slice(0, 16) : Int32Array.of(model.bos ?? 0);
    model.detokenize(tokens);
    stage = 'context';
    context = await model.createContext({ contextSize: 64, batchSize: 32, threads: 1 });
    stage = 'decode';
    await context.decode({ tokens });
    const logits = context.logits(-1);
    return { outcome: 'loaded', vocab: model.vocabSize, logits: logits.length, finite: logits.every(Number.isFinite) };
  } catch (err) {
    const e = /** @type {{ name?: string, code?: string, message?: string }} */ (err);
    return { outcome: e?.name === 'LoomError' ? 'refused' : 'error', stage, code: e?.code, name: e?.name, message: String(e?.message).slice(0, 300) };
  } finally {
    try { context?.dispose(); } catch { /* reported through the outcome */ }
    try { model?.dispose(); } catch { /* reported through the outcome */ }
  }
}

for (let i = Number(startArg); i < files.length; i++) {
  say(`@@begin ${i}`);
  const result = await exercise(files[i]);
  say(`@@end ${i} ${JSON.stringify(result)}`);
}
say('@@done');
