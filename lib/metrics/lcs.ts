// Longest-common-subsequence helpers for ROUGE-L and ROUGE-Lsum (rouge-score's `_lcs_table`,
// `_backtrack_norec` and `_union_lcs`).

/** (rows+1)×(cols+1) LCS length table, flattened row-major. */
export function lcsTable(ref: readonly string[], can: readonly string[]): Int32Array {
  const cols = can.length + 1;
  const t = new Int32Array((ref.length + 1) * cols);
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) {
      t[i * cols + j] = ref[i - 1] === can[j - 1]
        ? t[(i - 1) * cols + j - 1]! + 1
        : Math.max(t[(i - 1) * cols + j]!, t[i * cols + j - 1]!);
    }
  }
  return t;
}

/** Length of the longest common subsequence. */
export function lcsLength(ref: readonly string[], can: readonly string[]): number {
  return lcsTable(ref, can)[(ref.length + 1) * (can.length + 1) - 1]!;
}

/**
 * Indices into `ref` of one longest common subsequence, chosen by rouge-score's backtracking
 * (which of several LCSs it picks changes ROUGE-Lsum, so the tie-breaking is reproduced).
 */
export function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const t = lcsTable(ref, can);
  const cols = can.length + 1;
  let i = ref.length;
  let j = can.length;
  const out: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (t[i * cols + j - 1]! > t[(i - 1) * cols + j]!) {
      j--;
    } else {
      i--;
    }
  }
  return out.reverse();
}

/** Tokens of `ref` covered by the union of its LCSs with each candidate sentence, in ref order. */
export function unionLcs(ref: readonly string[], candidates: ReadonlyArray<readonly string[]>): string[] {
  const union = new Set<number>();
  for (const can of candidates) for (const i of lcsIndices(ref, can)) union.add(i);
  return [...union].sort((a, b) => a - b).map((i) => ref[i]!);
}
