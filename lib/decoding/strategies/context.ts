import type { StepBackend } from '../backend.js';
import type { ResolvedDecodingConfig } from '../config.js';
import type { Xoshiro128 } from '../prng.js';
import type { LogitsProcessorList } from '../processors/processor.js';
import type { DecodingHooks } from '../result.js';

/** Everything a strategy needs, prepared once by the driver. */
export interface StrategyContext {
  backend: StepBackend;
  prompt: Int32Array;
  cfg: ResolvedDecodingConfig;
  processors: LogitsProcessorList;
  /** End-of-generation ids (model's and config's). */
  eos: Int32Array;
  rng: Xoshiro128;
  hooks: DecodingHooks;
}

/** True when `token` ends generation (backend's verdict or an extra configured id). */
export function isEos(ctx: StrategyContext, token: number): boolean {
  return ctx.backend.isEndOfGeneration(token) || ctx.cfg.eosTokenIds.includes(token);
}
