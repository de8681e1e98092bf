import type { ResolvedDecodingConfig } from './config.js';
import { BadWordsProcessor } from './processors/bad-words.js';
import { ForcedEosProcessor, MinNewTokensProcessor, SuppressTokensProcessor } from './processors/eos-constraints.js';
import { EpsilonProcessor } from './processors/epsilon.js';
import { EtaProcessor } from './processors/eta.js';
import { LogitBiasProcessor } from './processors/logit-bias.js';
import { MinPProcessor } from './processors/min-p.js';
import { NoRepeatNgramProcessor } from './processors/no-repeat-ngram.js';
import { PresenceFrequencyPenaltyProcessor } from './processors/presence-frequency.js';
import { LogitsProcessorList, type LogitsProcessor } from './processors/processor.js';
import { RepetitionPenaltyProcessor } from './processors/repetition-penalty.js';
import { TemperatureProcessor } from './processors/temperature.js';
import { TopKProcessor } from './processors/top-k.js';
import { TopPProcessor } from './processors/top-p.js';
import { TypicalProcessor } from './processors/typical.js';

/**
 * The processor chain `generate()` would build, in transformers' order: constraints and penalties
 * (logit bias, repetition penalty, presence/frequency penalties, no-repeat-ngram, bad words, min new
 * tokens, forced EOS, suppressed tokens), then the caller's processors, then — only when sampling —
 * temperature, top-k, top-p, min-p, typical, epsilon and eta. The sampling filters keep at least one
 * token, or (end-of-generation ids + 1) under beam search so a live beam always remains.
 */
export function buildLogitsProcessors(cfg: ResolvedDecodingConfig, promptLength: number, eosTokenIds: readonly number[]): LogitsProcessorList {
  const list: LogitsProcessor[] = [];
  if (cfg.logitBias !== undefined) list.push(new LogitBiasProcessor(cfg.logitBias));
  if (cfg.repetitionPenalty !== 1) list.push(new RepetitionPenaltyProcessor(cfg.repetitionPenalty));
  if (cfg.presencePenalty !== 0 || cfg.frequencyPenalty !== 0) {
    list.push(new PresenceFrequencyPenaltyProcessor(cfg.presencePenalty, cfg.frequencyPenalty, promptLength));
  }
  if (cfg.noRepeatNgramSize > 0) list.push(new NoRepeatNgramProcessor(cfg.noRepeatNgramSize));
  if (cfg.badWordsIds.length > 0) list.push(new BadWordsProcessor(cfg.badWordsIds.map((s) => [...s]), eosTokenIds));
  if (cfg.minNewTokens > 0 && eosTokenIds.length > 0) list.push(new MinNewTokensProcessor(promptLength, cfg.minNewTokens, eosTokenIds));
  if (cfg.forcedEos) {
    if (eosTokenIds.length === 0) throw new RangeError('forcedEos must be false when the model has no end-of-generation token and eosTokenIds is empty; received true');
    list.push(new ForcedEosProcessor(promptLength + cfg.maxNewTokens, eosTokenIds));
  }
  if (cfg.suppressTokens.length > 0) list.push(new SuppressTokensProcessor([...cfg.suppressTokens]));
  list.push(...cfg.logitsProcessors);
  if (cfg.doSample) {
    const keep = cfg.numBeams > 1 ? (eosTokenIds.length > 0 ? eosTokenIds.length + 1 : 2) : 1;
    if (cfg.temperature !== 1) list.push(new TemperatureProcessor(cfg.temperature));
    if (cfg.topK !== 0) list.push(new TopKProcessor(cfg.topK, keep));
    if (cfg.topP < 1) list.push(new TopPProcessor(cfg.topP, keep));
    if (cfg.minP !== undefined) list.push(new MinPProcessor(cfg.minP, keep));
    if (cfg.typicalP < 1) list.push(new TypicalProcessor(cfg.typicalP, keep));
    if (cfg.epsilonCutoff > 0) list.push(new EpsilonProcessor(cfg.epsilonCutoff, keep));
    if (cfg.etaCutoff > 0) list.push(new EtaProcessor(cfg.etaCutoff, keep));
  }
  return new LogitsProcessorList(list);
}
