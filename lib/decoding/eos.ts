import type { StepBackend } from './backend.js';

const scanned = new WeakMap<StepBackend, Int32Array>();

/**
 * Every token id the backend reports as end-of-generation, plus `extra`. The backend only answers
 * per token, so the vocabulary is scanned once per backend object and cached.
 */
export function endOfGenerationIds(backend: StepBackend, extra: ArrayLike<number> = []): Int32Array {
  let ids = scanned.get(backend);
  if (ids === undefined) {
    const found: number[] = [];
    for (let t = 0; t < backend.vocabSize; t++) if (backend.isEndOfGeneration(t)) found.push(t);
    ids = Int32Array.from(found);
    scanned.set(backend, ids);
  }
  if (extra.length === 0) return ids;
  const all = new Set<number>(ids);
  for (let i = 0; i < extra.length; i++) all.add(extra[i]!);
  return Int32Array.from([...all].sort((a, b) => a - b));
}
