import { checkNumber } from '../../validate.js';
import type { LogitsProcessor } from './processor.js';

/** Divides every score by `temperature` (> 0); below 1 sharpens the distribution, above 1 flattens it. */
export class TemperatureProcessor implements LogitsProcessor {
  readonly temperature: number;

  constructor(temperature: number) {
    this.temperature = checkNumber('temperature', temperature, { gt: 0 });
  }

  process(_inputIds: Int32Array, scores: Float32Array): Float32Array {
    const inv = 1 / this.temperature;
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! * inv;
    return scores;
  }
}
