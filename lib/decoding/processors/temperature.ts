import { checkNumber } from '../../validate.js';
import { rowKernels } from '../select/kernels.js';
import type { LogitsProcessor } from './processor.js';

/** Divides every score by `temperature` (> 0); below 1 sharpens the distribution, above 1 flattens it. */
export class TemperatureProcessor implements LogitsProcessor {
  readonly temperature: number;

  constructor(temperature: number) {
    this.temperature = checkNumber('temperature', temperature, { gt: 0 });
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    // float32 division by float32(T), as torch computes `scores / temperature` on a float32 row
    // (dividing in float64 then rounding gives the same float32 result).
    const t = Math.fround(this.temperature);
    const simd = rowKernels();
    if (simd) simd.divide(scores, t);
    else for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / t;
    return scores;
  }
}
