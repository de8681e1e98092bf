// Reproducibility signatures in sacrebleu's `key:value|key:value` form. The `version` field
// names this package instead of a sacrebleu release, so scores are never mistaken for sacrebleu's.

/** The llama-loom release these metrics ship with (kept equal to package.json by a test). */
export const LLAMA_LOOM_VERSION = '0.1.0';

/** Value of the `version` field in every metric signature. */
export const SIGNATURE_VERSION = `llama-loom-${LLAMA_LOOM_VERSION}`;

/** Joins the fields in order, then `version` last, as sacrebleu does. */
export function formatSignature(fields: ReadonlyArray<readonly [string, string | number]>): string {
  return [...fields, ['version', SIGNATURE_VERSION] as const].map(([k, v]) => `${k}:${v}`).join('|');
}
