import { HISTOGRAM_BUCKETS, rowKernels } from './kernels.js';

/**
 * Finds the shortest prefix of a vocabulary ranked by `keys` (descending; equal keys by ascending
 * index) whose `weights` sum reaches a target and which holds at least `minCount` entries: the kept
 * set of top-p (keys = logits) and typical decoding (keys = closeness to the entropy).
 *
 * No sort of the vocabulary: one pass builds a histogram of mass and count by distance below the
 * best key (quarter-nat buckets), which pins the bucket holding the boundary; a second pass gathers
 * that bucket; a weighted quickselect (random pivots, partitions carrying their mass) narrows it to a
 * few dozen entries, which are sorted. Expected O(V) whatever the shape of the distribution. When
 * keys and weights are the SIMD kernels' staged row ({@link RowKernels.stageRanked}), the two
 * passes over the vocabulary run there.
 */
export class MassPrefixSelector {
  private band: Int32Array;
  private readonly bucketMass = new Float64Array(BUCKETS);
  private readonly bucketCount = new Int32Array(BUCKETS);
  private seed = 0x9e3779b9;
  /** Entries with key > boundaryKey are kept, plus those equal to it with index ≤ boundaryIndex. */
  boundaryKey = -Infinity;
  boundaryIndex = 0;

  constructor(vocabSize: number) {
    this.band = new Int32Array(vocabSize);
  }

  /** Rows this selector can handle without reallocating. */
  get capacity(): number {
    return this.band.length;
  }

  /** True when entry `i` with key `k` belongs to the prefix found by the last {@link select}. */
  keeps(k: number, i: number): boolean {
    return k > this.boundaryKey || (k === this.boundaryKey && i <= this.boundaryIndex);
  }

  /**
   * @param keys ranking keys (NaN and -Infinity are never part of a boundary search)
   * @param weights non-negative weights (unnormalised probabilities)
   * @param total Σ weights
   * @param target weight the prefix must reach (≤ total)
   * @param minCount entries the prefix must hold at least
   * @param keepTies keep every entry tied with the boundary key (typical decoding) instead of
   *   cutting the tie by index (top-p)
   * @param knownKeyMax the largest key, when the caller already has it (saves a pass)
   */
  select(keys: Float32Array, weights: Float32Array, total: number, target: number, minCount: number, keepTies: boolean, knownKeyMax?: number): void {
    const n = keys.length;
    if (this.band.length < n) this.band = new Int32Array(n);
    let keyMax = knownKeyMax ?? -Infinity;
    if (knownKeyMax === undefined) for (let i = 0; i < n; i++) if (keys[i]! > keyMax) keyMax = keys[i]!;
    if (target >= total || !Number.isFinite(keyMax) || minCount >= n) return this.keepAll(n);

    // 1. Histogram by distance below the best key; find the bucket where the prefix completes.
    // With the kernels, a first histogram covers the top 16 nats only (most of a language model's
    // row lies deeper and is skipped); the whole range is scanned when the prefix is not complete
    // there.
    const simd = rowKernels();
    const staged = simd !== null && simd.owns(keys) && simd.owns(weights);
    const mass = this.bucketMass;
    const count = this.bucketCount;
    if (staged) simd.histogram(keyMax, mass, count, NEAR_BUCKETS);
    else {
      mass.fill(0);
      count.fill(0);
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        if (!(k > -Infinity)) continue;
        const b = bucketOf(keyMax, k);
        mass[b] += weights[i]!;
        count[b]!++;
      }
    }
    let bucket = this.findBucket(target, minCount);
    if (bucket === BUCKETS && staged) {
      simd.histogram(keyMax, mass, count);
      bucket = this.findBucket(target, minCount);
    }
    let aboveMass = this.foundMass;
    let aboveCount = this.foundCount;
    // Rounding can leave the target just out of reach of the whole row: keep everything then.
    if (bucket === BUCKETS) return this.keepAll(n);

    // 2. Gather that bucket.
    const band = this.band;
    let end = 0;
    if (staged) end = simd.gather(keyMax, bucket, band);
    else {
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        if (k > -Infinity && bucketOf(keyMax, k) === bucket) band[end++] = i;
      }
    }

    // 3. Weighted quickselect: keep the part of [start, end) that holds the boundary.
    let start = 0;
    while (end - start > 48) {
      const pivot = this.medianOfThree(keys, start, end);
      let p = this.partition(start, end, keys, weights, pivot, false);
      if (aboveMass + this.partMass >= target && aboveCount + (p - start) >= minCount) {
        if (p < end) {
          end = p;
          continue;
        }
        // Every entry is ≥ pivot: split off those strictly above it instead.
        p = this.partition(start, end, keys, weights, pivot, true);
        if (aboveMass + this.partMass >= target && aboveCount + (p - start) >= minCount) {
          end = p;
          continue;
        }
        // The boundary lies among entries equal to the pivot, which now fill [p, end).
        aboveMass += this.partMass;
        aboveCount += p - start;
        start = p;
        break;
      }
      aboveMass += this.partMass;
      aboveCount += p - start;
      start = p;
    }

    // 4. Sort what is left best-first and walk it until the target is met.
    sortByKeyDesc(band, start, end, keys);
    let m = aboveMass;
    let c = aboveCount;
    let q = start;
    for (; q < end - 1; q++) {
      m += weights[band[q]!]!;
      c++;
      if (m >= target && c >= minCount) break;
    }
    const b = band[q]!;
    this.boundaryKey = keys[b]!;
    this.boundaryIndex = keepTies ? n : b;
  }

  /** Mass and count of the buckets above the one {@link findBucket} returned. */
  private foundMass = 0;
  private foundCount = 0;

  /** First bucket where the running mass reaches `target` and the count `minCount` (BUCKETS if none). */
  private findBucket(target: number, minCount: number): number {
    const mass = this.bucketMass;
    const count = this.bucketCount;
    let aboveMass = 0;
    let aboveCount = 0;
    let bucket = 0;
    for (; bucket < BUCKETS; bucket++) {
      if (aboveMass + mass[bucket]! >= target && aboveCount + count[bucket]! >= minCount) break;
      aboveMass += mass[bucket]!;
      aboveCount += count[bucket]!;
    }
    this.foundMass = aboveMass;
    this.foundCount = aboveCount;
    return bucket;
  }

  /** Weight of the front part produced by the last {@link partition} call. */
  private partMass = 0;

  /**
   * Moves band entries with key ≥ pivot (> pivot when `strict`) to the front of [start, end),
   * returns where the back part starts and leaves the front's weight in `partMass`.
   */
  private partition(start: number, end: number, keys: Float32Array, weights: Float32Array, pivot: number, strict: boolean): number {
    const band = this.band;
    let p = start;
    let mass = 0;
    for (let q = start; q < end; q++) {
      const i = band[q]!;
      const k = keys[i]!;
      if (strict ? k > pivot : k >= pivot) {
        mass += weights[i]!;
        band[q] = band[p]!;
        band[p++] = i;
      }
    }
    this.partMass = mass;
    return p;
  }

  private medianOfThree(keys: Float32Array, start: number, end: number): number {
    const span = end - start;
    const a = keys[this.band[start + this.random(span)]!]!;
    const b = keys[this.band[start + this.random(span)]!]!;
    const c = keys[this.band[start + this.random(span)]!]!;
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }

  private random(span: number): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s;
    return (s >>> 0) % span;
  }

  private keepAll(n: number): void {
    this.boundaryKey = -Infinity;
    this.boundaryIndex = n;
  }
}

const BUCKETS = HISTOGRAM_BUCKETS;
/** Buckets of the first, near-the-top histogram pass with the kernels (16 nats). */
const NEAR_BUCKETS = 64;
const BUCKETS_PER_NAT = 4;

function bucketOf(keyMax: number, k: number): number {
  const d = (keyMax - k) * BUCKETS_PER_NAT;
  return d < BUCKETS - 1 ? d | 0 : BUCKETS - 1;
}


/** Sorts band[start, end) by key descending then index ascending. */
function sortByKeyDesc(band: Int32Array, start: number, end: number, keys: Float32Array): void {
  if (end - start <= 64) {
    for (let a = start + 1; a < end; a++) {
      const i = band[a]!;
      const k = keys[i]!;
      let b = a - 1;
      while (b >= start && (keys[band[b]!]! < k || (keys[band[b]!]! === k && band[b]! > i))) {
        band[b + 1] = band[b]!;
        b--;
      }
      band[b + 1] = i;
    }
    return;
  }
  // Only long runs of exactly tied keys get here.
  band.subarray(start, end).sort((x, y) => keys[y]! - keys[x]! || x - y);
}
