import { resolveModel } from './default-model.js';
import { generate, type GenerateOptions } from './generate.js';
import { loadModel, type Model } from './model.js';
import type { Context } from './context.js';
import { checkObject, checkOneOf, checkString, fail } from './validate.js';

/** transformers-style generation kwargs accepted by a text-generation pipeline. */
export interface TextGenerationKwargs {
  max_new_tokens?: number;
  /** Total length in tokens, prompt included (used when max_new_tokens is absent). */
  max_length?: number;
  min_new_tokens?: number;
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  min_p?: number;
  typical_p?: number;
  epsilon_cutoff?: number;
  eta_cutoff?: number;
  repetition_penalty?: number;
  no_repeat_ngram_size?: number;
  num_beams?: number;
  num_return_sequences?: number;
  length_penalty?: number;
  early_stopping?: boolean | 'never';
  bad_words_ids?: number[][];
  suppress_tokens?: number[];
  seed?: number;
  /** Strings that end generation (transformers' `stop_strings`). */
  stop_strings?: string | string[];
  /** Include the prompt in `generated_text` (default true, as transformers). */
  return_full_text?: boolean;
  signal?: AbortSignal;
}

/** One pipeline output, as transformers returns it. */
export interface TextGenerationOutput {
  generated_text: string;
}

/** A callable text-generation pipeline; `dispose()` frees its model. */
export interface TextGenerationPipeline {
  (text: string, kwargs?: TextGenerationKwargs): Promise<TextGenerationOutput[]>;
  (texts: string[], kwargs?: TextGenerationKwargs): Promise<TextGenerationOutput[][]>;
  readonly model: Model;
  dispose(): void;
}

const KWARG_MAP: Record<string, keyof GenerateOptions> = {
  max_new_tokens: 'maxNewTokens', min_new_tokens: 'minNewTokens', do_sample: 'doSample', temperature: 'temperature',
  top_k: 'topK', top_p: 'topP', min_p: 'minP', typical_p: 'typicalP', epsilon_cutoff: 'epsilonCutoff',
  eta_cutoff: 'etaCutoff', repetition_penalty: 'repetitionPenalty', no_repeat_ngram_size: 'noRepeatNgramSize',
  num_beams: 'numBeams', num_return_sequences: 'numReturnSequences', length_penalty: 'lengthPenalty',
  early_stopping: 'earlyStopping', bad_words_ids: 'badWordsIds', suppress_tokens: 'suppressTokens', seed: 'seed',
  stop_strings: 'stop', signal: 'signal',
};

/** Maps snake_case kwargs onto {@link GenerateOptions}; unknown kwargs are a TypeError, as in transformers. */
export function kwargsToOptions(kwargs: TextGenerationKwargs, promptTokens: number, defaults: GenerateOptions): GenerateOptions {
  checkObject('kwargs', kwargs);
  const o: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(kwargs)) {
    if (v === undefined || k === 'return_full_text' || k === 'max_length') continue;
    const key = KWARG_MAP[k];
    if (!key) fail(`kwargs.${k}`, `one of ${[...Object.keys(KWARG_MAP), 'max_length', 'return_full_text'].join(', ')}`, k);
    o[key] = v;
  }
  if (kwargs.max_new_tokens === undefined && kwargs.max_length !== undefined) {
    if (typeof kwargs.max_length !== 'number' || !Number.isInteger(kwargs.max_length) || kwargs.max_length <= promptTokens) {
      fail('max_length', `an integer greater than the prompt length (${promptTokens} tokens)`, kwargs.max_length, 'range');
    }
    o.maxNewTokens = kwargs.max_length - promptTokens;
  }
  // Beam search is deterministic unless asked otherwise, as in transformers.
  if (kwargs.num_beams !== undefined && kwargs.num_beams > 1 && kwargs.do_sample === undefined) o.doSample = false;
  return o as GenerateOptions;
}

/**
 * transformers' `pipeline('text-generation', model)` for llama-loom: the seed's Python example
 * ports line by line. With no model it uses the embedded default model. Like GPT-2's pipeline
 * defaults it samples (top-k 50) unless `do_sample: false` or beams are asked for.
 */
export async function pipeline(task: 'text-generation', model?: string | Model, options: { contextSize?: number; threads?: number } = {}): Promise<TextGenerationPipeline> {
  checkOneOf('task', task, ['text-generation'] as const);
  let owned = false;
  let m: Model;
  if (model === undefined || typeof model === 'string') {
    if (typeof model === 'string') checkString('model', model, { nonEmpty: true });
    m = await loadModel(await resolveModel(model));
    owned = true;
  } else m = model;
  let ctx: Context | undefined;
  let ctxSeqs = 0;
  const defaults: GenerateOptions = { doSample: true, topK: 50, maxNewTokens: 50 };

  const runOne = async (text: string, kwargs: TextGenerationKwargs): Promise<TextGenerationOutput[]> => {
    checkString('text', text);
    const promptTokens = m.tokenize(text).length;
    const o = kwargsToOptions(kwargs, promptTokens, defaults);
    const need = Math.max(o.numBeams ?? 1, o.numReturnSequences ?? 1);
    if (!ctx || ctxSeqs < need) {
      ctx?.dispose();
      ctx = await m.createContext({ ...options, sequences: Math.max(need, 1) });
      ctxSeqs = need;
    }
    const res = await generate(ctx, text, o);
    const full = kwargs.return_full_text !== false;
    return res.sequences.map((s) => ({ generated_text: full ? text + s.text : s.text }));
  };

  const fn = (async (input: string | string[], kwargs: TextGenerationKwargs = {}) => {
    if (Array.isArray(input)) {
      const out: TextGenerationOutput[][] = [];
      for (const t of input) out.push(await runOne(t, kwargs));
      return out;
    }
    return runOne(input, kwargs);
  }) as TextGenerationPipeline;
  Object.defineProperty(fn, 'model', { value: m });
  Object.defineProperty(fn, 'dispose', {
    value: () => {
      ctx?.dispose();
      if (owned) m.dispose();
    },
  });
  return fn;
}
