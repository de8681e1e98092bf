import { native, type NativeSampler as NativeSamplerHandle, type NativeSamplerOptions, type NativeSystemInfo, type Token } from './native.js';
import type { Context } from './context.js';
import { checkOneOf } from './validate.js';

/** llama.cpp commit, compiled backend, devices, CPU features and default thread count. */
export function systemInfo(): NativeSystemInfo {
  return native().systemInfo();
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 1, info: 2, warn: 3, error: 4 };
const NAMES = ['none', 'debug', 'info', 'warn', 'error'] as const;

/**
 * Routes llama.cpp's log to `logger` for messages at `level` or above (default 'warn').
 * `null` silences it again (the default).
 */
export function setLogger(logger: ((level: LogLevel, text: string) => void) | null, level: LogLevel = 'warn'): void {
  checkOneOf('level', level, Object.keys(LEVELS) as LogLevel[]);
  if (logger !== null && typeof logger !== 'function') throw new TypeError(`logger must be a function or null; received ${typeof logger}`);
  native().setLogger(logger ? (lvl, text) => logger((NAMES[lvl] ?? 'info') as LogLevel, text) : null, LEVELS[level]);
}

/**
 * Forces logits to be copied into JS-owned buffers for contexts created afterwards — what
 * Electron's V8 memory cage requires (llama-loom switches by itself when external buffers are
 * refused). Also `LLAMA_LOOM_LOGITS_COPY=1`.
 */
export function setLogitsCopyMode(copy: boolean): void {
  if (typeof copy !== 'boolean') throw new TypeError(`copy must be a boolean; received ${typeof copy}`);
  native().setForceCopy(copy);
}

if (process.env.LLAMA_LOOM_LOGITS_COPY === '1') {
  try { native().setForceCopy(true); } catch { /* addon missing: reported on first use */ }
}

/** llama.cpp's native sampler chain (top-k → top-p → min-p → temperature → dist), the speed baseline. */
export class NativeSampler {
  private readonly handle: NativeSamplerHandle;
  constructor(options: NativeSamplerOptions = {}) {
    const Ctor = native().NativeSampler;
    this.handle = new Ctor(options);
  }
  /** Samples from the `row`-th output of the context's last decode. */
  sample(context: Context, row = -1): Token {
    return this.handle.sample(context.handle, row);
  }
  /** Runs the chain over arbitrary logits. */
  apply(logits: Float32Array): Token {
    return this.handle.apply(logits);
  }
  reset(): void { this.handle.reset(); }
  dispose(): void { this.handle.dispose(); }
}
