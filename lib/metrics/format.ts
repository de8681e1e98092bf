// Number formatting that matches Python's `f"{x:.Nf}"`, so CLI lines read exactly like
// sacrebleu's. JS `toFixed` rounds exact ties away from zero; Python rounds them half to even.

/** `x` with `digits` decimals (0–70), rounding exact ties half to even like Python's format(). */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  // A double lies exactly on a tie only when its decimal expansion stops right after the next
  // digit; 30 extra digits are far more than a double close to (but not on) a tie stays at 5000….
  const exact = Math.abs(x).toFixed(digits + 30);
  const cut = exact.length - 30;
  if (exact.slice(cut) !== '5' + '0'.repeat(29)) return x.toFixed(digits);
  const kept = exact.slice(0, cut).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1]);
  // Odd last digit: rounding away from zero (what toFixed does) lands on the even neighbour.
  if (lastDigit % 2 === 1) return x.toFixed(digits);
  return (x < 0 ? '-' : '') + kept;
}
