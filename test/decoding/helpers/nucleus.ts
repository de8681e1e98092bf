// Checks a top-p kept set against a float64 full-sort reference.
/**
 * The kept ids must be the first r' entries of `order` (ranked best-first, ties by ascending id) and
 * a minimal prefix reaching `target`, judged on the float64 weights `w` (in rank order) with a
 * tolerance of 1e-6 of the total: probabilities are float32, as in torch, so where the running sum
 * passes the target within float32 precision the cut may land a few tokens earlier or later than
 * an exact float64 computation puts it.
 */
export function expectNucleus(keptIds: number[], order: number[], w: number[], target: number): void {
  const total = w.reduce((a, b) => a + b, 0);
  const tol = 1e-6 * total;
  const ids = [...keptIds].sort((a, b) => a - b);
  const r = ids.length;
  expect(ids).toEqual(order.slice(0, r).sort((a, b) => a - b));
  let before = 0;
  for (let i = 0; i < r - 1; i++) before += w[i]!;
  const reached = before + (r > 0 ? w[r - 1]! : 0);
  // The prefix reaches the target, and one token fewer would not have.
  expect(reached).toBeGreaterThanOrEqual(target - tol);
  if (r > 1) expect(before).toBeLessThan(target + tol);
}
