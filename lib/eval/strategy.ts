// Decoding strategies named by short specs (`greedy`, `beam:4`, `top-p:0.9`, …) for evaluation
// runs and the `eval` command. Sampling specs turn off every other filter (transformers' default
// top-k 50 included) so each one measures exactly the method it names.

import type { DecodingConfig } from '../decoding/config.js';
import { checkInteger, checkString, fail } from '../validate.js';

/** A strategy to evaluate: the spec it came from and the decoding options it stands for. */
export interface EvalStrategy {
  /** Display name, the normalised spec (e.g. `top-p:0.9`). */
  label: string;
  config: DecodingConfig;
}

/** The specs {@link parseStrategy} accepts, for messages and help texts. */
export const STRATEGY_SPECS = ['greedy', 'beam:N', 'top-p:P', 'top-k:K', 'min-p:P', 'typical:P', 'sample'] as const;

function parameter(spec: string, raw: string | undefined, what: string, ok: (x: number) => boolean, integer: boolean): number {
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || !ok(value)) {
    fail(`strategy ${JSON.stringify(spec)}`, `${what} after the colon`, raw ?? '', raw !== undefined && Number.isFinite(value) ? 'range' : 'type');
  }
  return value;
}

/**
 * Parses a strategy spec: `greedy`, `beam:N` (N ≥ 1 beams), `top-p:P` (P in (0, 1]),
 * `top-k:K` (K ≥ 1), `min-p:P` (P in [0, 1]), `typical:P` (P in (0, 1]) or `sample` (plain
 * ancestral sampling). Sampling strategies get `seed` when one is given. Throws TypeError for an
 * unknown spec or a non-numeric parameter and RangeError for a parameter out of range.
 */
export function parseStrategy(spec: string, seed?: number): EvalStrategy {
  checkString('strategy', spec, { nonEmpty: true });
  if (seed !== undefined) checkInteger('seed', seed, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  const raw = colon < 0 ? undefined : trimmed.slice(colon + 1);
  const sampling = (config: DecodingConfig): DecodingConfig => ({ doSample: true, topK: 0, ...config, ...(seed !== undefined ? { seed } : {}) });
  const noParameter = () => {
    if (raw !== undefined) fail(`strategy ${JSON.stringify(spec)}`, `"${name}" without a parameter`, raw, 'range');
  };
  switch (name) {
    case 'greedy':
      noParameter();
      return { label: 'greedy', config: {} };
    case 'sample':
      noParameter();
      return { label: 'sample', config: sampling({}) };
    case 'beam': {
      const n = parameter(spec, raw, 'a beam count: an integer >= 1', (x) => x >= 1, true);
      return { label: `beam:${n}`, config: { numBeams: n } };
    }
    case 'top-p': {
      const p = parameter(spec, raw, 'a probability mass in (0, 1]', (x) => x > 0 && x <= 1, false);
      return { label: `top-p:${p}`, config: sampling({ topP: p }) };
    }
    case 'top-k': {
      const k = parameter(spec, raw, 'a token count: an integer >= 1', (x) => x >= 1, true);
      return { label: `top-k:${k}`, config: sampling({ topK: k }) };
    }
    case 'min-p': {
      const p = parameter(spec, raw, 'a ratio in [0, 1]', (x) => x >= 0 && x <= 1, false);
      return { label: `min-p:${p}`, config: sampling({ minP: p }) };
    }
    case 'typical': {
      const p = parameter(spec, raw, 'a probability mass in (0, 1]', (x) => x > 0 && x <= 1, false);
      return { label: `typical:${p}`, config: sampling({ typicalP: p }) };
    }
    default:
      return fail('strategy', `one of ${STRATEGY_SPECS.join(', ')}`, spec);
  }
}
