/** Machine-readable codes carried by every {@link LoomError}. */
export type LoomErrorCode =
  | 'NATIVE_NOT_BUILT'
  | 'NATIVE_LOAD_FAILED'
  | 'MODEL_LOAD_FAILED'
  | 'INVALID_GGUF'
  | 'CONTEXT_CREATE_FAILED'
  | 'NO_KV_SLOT'
  | 'ABORTED'
  | 'INVALID_BATCH'
  | 'DECODE_FAILED'
  | 'DISPOSED'
  | 'BUSY'
  | 'CONTEXT_OVERFLOW'
  | 'DETACHED'
  | 'TRAIN_FAILED'
  | 'STATE_FAILED'
  | 'DOWNLOAD_FAILED'
  | 'CHECKSUM_MISMATCH'
  | 'NOT_FOUND'
  | 'INTERNAL';

/** The one error class llama-loom throws for failures that are not argument mistakes. */
export class LoomError extends Error {
  /** Stable code to branch on, e.g. `MODEL_LOAD_FAILED`. */
  readonly code: LoomErrorCode;

  constructor(code: LoomErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoomError';
    this.code = code;
  }
}

/** True when `err` is a {@link LoomError}, optionally with the given code. */
export function isLoomError(err: unknown, code?: LoomErrorCode): err is LoomError {
  return err instanceof LoomError && (code === undefined || err.code === code);
}

/** The error thrown when an `AbortSignal` fires; keeps the signal's reason as `cause`. */
export function abortError(what: string, signal?: AbortSignal): LoomError {
  return new LoomError('ABORTED', `${what} was aborted`, { cause: signal?.reason });
}
