// Seeded, platform-independent random numbers for deterministic fixture weights.

// Module-level references: looking up the global Math per call is slow inside vm contexts (jest).
const { sqrt, log, cos, sin, PI } = Math;

/** 32-bit FNV-1a hash of a string, to derive independent streams per tensor name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** sfc32 generator: four 32-bit words of state, uniform output in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /** Seeds from an integer seed and an optional stream label (e.g. a tensor name). */
  constructor(seed: number, stream = '') {
    this.a = seed >>> 0;
    this.b = Math.floor(seed / 2 ** 32) >>> 0;
    this.c = hashString(stream);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32(); // mix the seed words
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextU32() / 2 ** 32;
  }

  /** Standard normal deviate (Box–Muller, both values of each pair used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1], keeps log finite
    const u2 = this.uniform();
    const r = sqrt(-2 * log(u1));
    this.spare = r * sin(2 * PI * u2);
    return r * cos(2 * PI * u2);
  }

  /** `n` float32 values drawn from N(0, std²); the same values as calling {@link normal} `n` times. */
  normalArray(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    let i = 0;
    if (n > 0 && this.spare !== undefined) out[i++] = this.normal() * std;
    // Box–Muller pairs inlined: this loop dominates fixture generation time.
    for (; i + 1 < n; i += 2) {
      const u1 = 1 - this.nextU32() / 2 ** 32;
      const u2 = this.nextU32() / 2 ** 32;
      const r = sqrt(-2 * log(u1));
      out[i] = r * cos(2 * PI * u2) * std;
      out[i + 1] = r * sin(2 * PI * u2) * std;
    }
    if (i < n) out[i] = this.normal() * std;
    return out;
  }
}
