// Turns of several contenders run back to back, round after round, so that each pair of turns
// being compared lies a fraction of a second apart: this VM's speed drifts by up to 2× over the
// tens of seconds between one contender's separate runs and the next's.
import { rotate } from './job.js';

/** The bounds on the number of rounds, whatever the budget for them. */
export const ALTERNATING_ROUNDS_MIN = 4;
export const ALTERNATING_ROUNDS_MAX = 40;

/**
 * Runs `turns` back to back, as many rounds as fit `budgetMs` at `turnMs` a turn (within the
 * bounds above), each filling its part of a fresh `row()`. The order rotates every round and
 * reverses every `turns.length` rounds, so each turn follows each other one equally often.
 */
export async function alternatingRounds<R>(turns: Array<(row: R) => Promise<void>>, row: () => R, turnMs: number, budgetMs: number): Promise<R[]> {
  const rounds = Math.min(ALTERNATING_ROUNDS_MAX, Math.max(ALTERNATING_ROUNDS_MIN, Math.round(budgetMs / (turns.length * Math.max(1, turnMs)))));
  const out: R[] = [];
  for (let round = 0; round < rounds; round++) {
    const r = row();
    const order = rotate(turns, round);
    for (const turn of Math.floor(round / turns.length) % 2 === 0 ? order : order.reverse()) await turn(r);
    out.push(r);
  }
  return out;
}
