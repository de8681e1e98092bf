import { checkBoolean, checkNumber, checkObject, checkOneOf, fail } from '../validate.js';
import { checkInteger as checkInt } from '../validate.js';
import type { LogitBias } from './processors/logit-bias.js';
import { normaliseLogitBias } from './processors/logit-bias.js';
import type { LogitsProcessor } from './processors/processor.js';
import { checkSequenceList, checkTokenList } from './processors/token-lists.js';

/**
 * How to pick tokens: greedy (default), sampling (`doSample`), or beam search (`numBeams` > 1, with
 * or without `doSample`). Field names and defaults follow transformers' `GenerationConfig` in camelCase;
 * a sampling option that is unset (or at its neutral value) adds no processor.
 */
export interface DecodingConfig {
  /** Most tokens to generate (end-of-generation token included). Default 256. */
  maxNewTokens?: number;
  /** End-of-generation tokens are suppressed until this many tokens were generated. Default 0. */
  minNewTokens?: number;
  /** Sample from the processed distribution instead of taking the best token. Default false. */
  doSample?: boolean;
  /** Divides logits before sampling; must be > 0 (use `doSample: false` for greedy). Default 1. */
  temperature?: number;
  /** Sampling keeps the `topK` best tokens (ties with the k-th kept); 0 disables. Default 50, as transformers. */
  topK?: number;
  /** Sampling keeps the smallest set of best tokens with probability mass ≥ `topP`; 1 disables. Default 1. */
  topP?: number;
  /** Sampling drops tokens less likely than `minP` × the best token's probability. Unset: disabled. */
  minP?: number;
  /** Locally typical sampling mass in (0, 1]; 1 disables. Default 1. */
  typicalP?: number;
  /** Sampling drops tokens with probability below this, in [0, 1); 0 disables. Default 0. */
  epsilonCutoff?: number;
  /** Eta sampling's ε in [0, 1); 0 disables. Default 0. */
  etaCutoff?: number;
  /** CTRL repetition penalty over prompt and generated tokens (> 0; 1 = none). Default 1. */
  repetitionPenalty?: number;
  /** Subtracted once from the score of every token already generated (OpenAI semantics). Default 0. */
  presencePenalty?: number;
  /** Subtracted per occurrence from the score of generated tokens (OpenAI semantics). Default 0. */
  frequencyPenalty?: number;
  /** Forbids repeating any n-gram of this size from the context; 0 disables. Default 0. */
  noRepeatNgramSize?: number;
  /** Token sequences that may never be generated. */
  badWordsIds?: readonly (readonly number[])[];
  /** Additive biases: `{ [tokenId]: bias }`, a Map, or `[sequence, bias]` pairs; -Infinity bans. */
  logitBias?: LogitBias;
  /** Tokens that may never be generated. */
  suppressTokens?: readonly number[];
  /** Force an end-of-generation token as the last token when `maxNewTokens` is reached. Default false. */
  forcedEos?: boolean;
  /** Beam count; 1 = no beam search. Default 1. */
  numBeams?: number;
  /** Finished beams score `sumLogprobs / generatedLength ** lengthPenalty`. Default 1. */
  lengthPenalty?: number;
  /**
   * Beam search stop rule, as transformers: `true` stops once `numBeams` hypotheses finished;
   * `false` stops when the best running beam, scored at its current length, cannot beat the worst
   * finished one; `"never"` does the same but, with `lengthPenalty` > 0, scores it at the maximum
   * length. Default false.
   */
  earlyStopping?: boolean | 'never';
  /** Sequences to return: ≤ `numBeams` under beam search; > 1 without beams requires `doSample`. Default 1. */
  numReturnSequences?: number;
  /** PRNG seed (integer in [0, 2^53)) for reproducible sampling. Default: random. */
  seed?: number;
  /** Stop when the generated text contains one of these strings (matched across token boundaries). */
  stop?: string | readonly string[];
  /** Token ids that end generation in addition to those the model reports. */
  eosTokenIds?: readonly number[];
  /** Extra processors, applied after the penalties and before the sampling filters. */
  logitsProcessors?: readonly LogitsProcessor[];
}

/** Every field of {@link DecodingConfig} with defaults applied. */
export interface ResolvedDecodingConfig {
  maxNewTokens: number;
  minNewTokens: number;
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  minP: number | undefined;
  typicalP: number;
  epsilonCutoff: number;
  etaCutoff: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  noRepeatNgramSize: number;
  badWordsIds: Int32Array[];
  logitBias: LogitBias | undefined;
  suppressTokens: Int32Array;
  forcedEos: boolean;
  numBeams: number;
  lengthPenalty: number;
  earlyStopping: boolean | 'never';
  numReturnSequences: number;
  seed: number | undefined;
  stop: string[];
  eosTokenIds: Int32Array;
  logitsProcessors: LogitsProcessor[];
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'maxNewTokens', 'minNewTokens', 'doSample', 'temperature', 'topK', 'topP', 'minP', 'typicalP',
  'epsilonCutoff', 'etaCutoff', 'repetitionPenalty', 'presencePenalty', 'frequencyPenalty',
  'noRepeatNgramSize', 'badWordsIds', 'logitBias', 'suppressTokens', 'forcedEos', 'numBeams',
  'lengthPenalty', 'earlyStopping', 'numReturnSequences', 'seed', 'stop', 'eosTokenIds', 'logitsProcessors',
]);

function opt<T>(value: T | undefined, fallback: T, check: (v: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}

/**
 * Checks every field of a {@link DecodingConfig} and applies defaults. Throws TypeError for a wrong
 * type or unknown field and RangeError for a value out of range, naming the field, e.g.
 * `topP must be a number in (0, 1]; received 2`.
 */
export function validateDecodingConfig(config: DecodingConfig = {}): ResolvedDecodingConfig {
  const c = checkObject('config', config) as DecodingConfig;
  for (const key of Object.keys(c)) {
    if (!KNOWN_FIELDS.has(key)) throw new TypeError(`config.${key} is not a decoding option (options are camelCase, e.g. topP)`);
  }
  const num = (name: string, bounds: Parameters<typeof checkNumber>[2]) => (v: unknown) => checkNumber(name, v, bounds);
  const int = (name: string, bounds: Parameters<typeof checkInt>[2]) => (v: unknown) => checkInt(name, v, bounds);

  const r: ResolvedDecodingConfig = {
    maxNewTokens: opt(c.maxNewTokens, 256, int('maxNewTokens', { min: 1 })),
    minNewTokens: opt(c.minNewTokens, 0, int('minNewTokens', { min: 0 })),
    doSample: opt(c.doSample, false, (v) => checkBoolean('doSample', v)),
    temperature: opt(c.temperature, 1, num('temperature', { gt: 0 })),
    topK: opt(c.topK, 50, int('topK', { min: 0 })),
    topP: opt(c.topP, 1, num('topP', { gt: 0, max: 1 })),
    minP: c.minP === undefined ? undefined : checkNumber('minP', c.minP, { min: 0, max: 1 }),
    typicalP: opt(c.typicalP, 1, num('typicalP', { gt: 0, max: 1 })),
    epsilonCutoff: opt(c.epsilonCutoff, 0, num('epsilonCutoff', { min: 0, lt: 1 })),
    etaCutoff: opt(c.etaCutoff, 0, num('etaCutoff', { min: 0, lt: 1 })),
    repetitionPenalty: opt(c.repetitionPenalty, 1, num('repetitionPenalty', { gt: 0 })),
    presencePenalty: opt(c.presencePenalty, 0, (v) => checkNumber('presencePenalty', v)),
    frequencyPenalty: opt(c.frequencyPenalty, 0, (v) => checkNumber('frequencyPenalty', v)),
    noRepeatNgramSize: opt(c.noRepeatNgramSize, 0, int('noRepeatNgramSize', { min: 0 })),
    badWordsIds: c.badWordsIds === undefined ? [] : checkSequenceList('badWordsIds', c.badWordsIds),
    logitBias: c.logitBias,
    suppressTokens: c.suppressTokens === undefined ? new Int32Array(0) : checkTokenList('suppressTokens', c.suppressTokens),
    forcedEos: opt(c.forcedEos, false, (v) => checkBoolean('forcedEos', v)),
    numBeams: opt(c.numBeams, 1, int('numBeams', { min: 1 })),
    lengthPenalty: opt(c.lengthPenalty, 1, (v) => checkNumber('lengthPenalty', v)),
    earlyStopping: opt<boolean | 'never'>(c.earlyStopping, false, (v) => checkOneOf('earlyStopping', v, [true, false, 'never'] as const)),
    numReturnSequences: opt(c.numReturnSequences, 1, int('numReturnSequences', { min: 1 })),
    seed: c.seed === undefined ? undefined : checkInt('seed', c.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    stop: c.stop === undefined ? [] : checkStops(c.stop),
    eosTokenIds: c.eosTokenIds === undefined ? new Int32Array(0) : checkTokenList('eosTokenIds', c.eosTokenIds),
    logitsProcessors: c.logitsProcessors === undefined ? [] : checkProcessors(c.logitsProcessors),
  };
  if (c.logitBias !== undefined) normaliseLogitBias(c.logitBias);
  if (r.numBeams > 1 && r.numReturnSequences > r.numBeams) {
    fail('numReturnSequences', `an integer in [1, ${r.numBeams}] (at most numBeams)`, r.numReturnSequences, 'range');
  }
  if (r.numBeams === 1 && !r.doSample && r.numReturnSequences > 1) {
    fail('numReturnSequences', 'an integer in [1, 1] for greedy decoding (set doSample or numBeams)', r.numReturnSequences, 'range');
  }
  return r;
}

function checkStops(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) fail('stop', 'a string or an array of strings', value);
  return list.map((s, i) => {
    if (typeof s !== 'string') fail(`stop[${i}]`, 'a non-empty string', s);
    if (s.length === 0) fail(`stop[${i}]`, 'a non-empty string', s, 'range');
    return s;
  });
}

function checkProcessors(value: unknown): LogitsProcessor[] {
  if (!Array.isArray(value)) fail('logitsProcessors', 'an array of logits processors', value);
  return value.map((p, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as LogitsProcessor).process !== 'function') {
      fail(`logitsProcessors[${i}]`, 'an object with a process(inputIds, scores) method', p);
    }
    return p as LogitsProcessor;
  });
}
