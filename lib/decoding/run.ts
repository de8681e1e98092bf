import { checkObject, checkSignal, checkTokens, fail } from '../validate.js';
import type { StepBackend } from './backend.js';
import { buildLogitsProcessors } from './build-processors.js';
import { validateDecodingConfig, type DecodingConfig } from './config.js';
import { endOfGenerationIds } from './eos.js';
import { Xoshiro128 } from './prng.js';
import type { DecodingHooks, DecodingResult } from './result.js';
import { decodeBeams } from './strategies/beam-search.js';
import type { StrategyContext } from './strategies/context.js';
import { decodeSinglePath } from './strategies/single-path.js';

/**
 * Generates continuations of `promptIds` with `backend`: greedy, sampling (`doSample`, optionally
 * several sequences advanced together) or beam search (`numBeams` > 1), with transformers'
 * semantics (see {@link DecodingConfig}).
 *
 * Abort: if `hooks.signal` is already aborted, or fires before the first token is chosen (i.e. during
 * the prompt's evaluation), this rejects with a LoomError `ABORTED` (`abortError`). Once tokens exist
 * it resolves instead, with what was generated so far and `finishReason: 'abort'` on the sequences
 * that had not finished (under beam search: the best finished and live hypotheses so far).
 *
 * @throws TypeError/RangeError for invalid arguments (messages name the field).
 */
export async function runDecoding(
  backend: StepBackend,
  promptIds: Int32Array,
  config: DecodingConfig = {},
  hooks: DecodingHooks = {},
): Promise<DecodingResult> {
  checkObject('backend', backend);
  const V = backend.vocabSize;
  if (typeof V !== 'number' || !Number.isInteger(V) || V < 1) fail('backend.vocabSize', 'an integer in [1, ∞)', V, 'range');
  const prompt = checkTokens('promptIds', promptIds, V);
  if (prompt.length === 0) fail('promptIds', 'a non-empty list of token ids', promptIds, 'range');
  const cfg = validateDecodingConfig(config);
  checkObject('hooks', hooks);
  checkSignal('hooks.signal', hooks.signal);
  if (hooks.onToken !== undefined && typeof hooks.onToken !== 'function') fail('hooks.onToken', 'a function', hooks.onToken);
  for (const [name, list] of [['eosTokenIds', cfg.eosTokenIds], ['suppressTokens', cfg.suppressTokens]] as const) {
    checkTokens(name, list, V);
  }
  cfg.badWordsIds.forEach((seq, i) => checkTokens(`badWordsIds[${i}]`, seq, V));

  const eos = endOfGenerationIds(backend, cfg.eosTokenIds);
  const ctx: StrategyContext = {
    backend,
    prompt,
    cfg,
    processors: buildLogitsProcessors(cfg, prompt.length, [...eos]),
    eos,
    rng: new Xoshiro128(cfg.seed ?? Math.floor(Math.random() * 0x100000000)),
    hooks,
  };
  return cfg.numBeams > 1 ? decodeBeams(ctx) : decodeSinglePath(ctx);
}
