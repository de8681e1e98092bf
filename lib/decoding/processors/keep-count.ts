import { checkInteger as checkInt } from '../../validate.js';

/** Validates the `minTokensToKeep` option shared by the filtering processors. */
export function checkMinTokensToKeep(value: unknown): number {
  return checkInt('minTokensToKeep', value, { min: 1 });
}
