import { native } from '../../native.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

// The WebAssembly side of the per-token row passes (source: kernels.wat). A row is copied into
// the module's memory (one memcpy, ~0.1 ns per element) and processed there with f32x4 SIMD; the
// copy costs far less than the scalar exp() it replaces, and it leaves the caller's row (often a
// view over llama.cpp's logits buffer) untouched.

// The few WebAssembly declarations used here (@types/node 20 does not declare the namespace).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface KernelExports {
  memory: WasmMemory;
  max(p: number, n: number): number;
  firstIndexOf(p: number, n: number, v: number): number;
  expWeights(src: number, dst: number, n: number, shift: number, scale: number): number;
  expSumPrecise(p: number, n: number, shift: number, mode: number): number;
  divide(p: number, n: number, d: number): void;
  maskOutside(p: number, n: number, key: number, index: number): void;
  cumulativeIndex(p: number, n: number, target: number): number;
  histogram(keys: number, weights: number, n: number, keyMax: number, h: number, scratch: number, limit: number): number;
  gather(keys: number, n: number, keyMax: number, bucket: number, out: number): number;
  collectAtLeast(p: number, n: number, threshold: number, out: number, cap: number): number;
  countAtLeast(p: number, n: number, threshold: number): number;
}

/**
 * Index buffer size for {@link RowKernels.collectTop} / {@link RowKernels.collectAtLeastK}
 * callers: enough for any threshold cut of a language model's row short of a wide tie.
 */
export const COLLECT_CAPACITY = 4096;
/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Kernels run on whole multiples of this many elements; rows are padded with -Infinity. */
const PAD = 16;
/** Buckets of the mass-prefix histogram (quarter nats below the best key, the last open-ended). */
export const HISTOGRAM_BUCKETS = 256;
// Memory layout (bytes): the histogram kernel's output (f64[8][257] mass, i32[8][257] count) and
// its 64-byte scratch at fixed offsets, then regions A (input row), B (weights), C (indices).
const HIST = 0;
const HIST_COUNTS = HIST + 8 * 257 * 8;
const SCRATCH = 24704;
const REGIONS = 24832;
const A0 = REGIONS / 4;

/**
 * Row operations backed by the SIMD module. Staging regions live in its memory: A receives the
 * input row, B the weights a kernel writes, C index lists. Every method is synchronous, so one
 * instance serves every generation in the process; views of the regions handed out by
 * {@link keysView}/{@link weightsView} are valid until the next call that stages a row.
 */
export class RowKernels {
  private heap: Float32Array;
  private heapI32: Int32Array;
  private heapF64: Float64Array;
  /** Elements per region (a multiple of PAD). */
  private capacity = 0;
  private viewA: Float32Array | undefined;
  private viewB: Float32Array | undefined;
  /** Padded length, maximum and weight total of the row staged by {@link stageRanked}. */
  private stagedPadded = 0;
  stagedTotal = 0;

  constructor(private readonly x: KernelExports) {
    this.heap = new Float32Array(x.memory.buffer);
    this.heapI32 = new Int32Array(x.memory.buffer);
    this.heapF64 = new Float64Array(x.memory.buffer);
  }

  /** True when `array` is one of this instance's region views (kernels can run on it in place). */
  owns(array: Float32Array): boolean {
    return array.buffer === this.heap.buffer;
  }

  /**
   * Stages `row` as ranking keys and writes exp(row - max) to region B; returns the maximum
   * (-Infinity when the row has no number) and leaves Σ weights in {@link stagedTotal}.
   */
  stageRanked(row: Float32Array): number {
    const padded = this.stage(row);
    this.stagedPadded = padded;
    const max = this.x.max(REGIONS, padded);
    this.stagedTotal = max === -Infinity ? 0 : this.x.expWeights(REGIONS, this.regionBByte(), padded, max, 1);
    return max;
  }

  /**
   * Stages `row` as ranking keys with zero weights (a count-only ranking: top-k); returns the
   * maximum (-Infinity when the row has no number).
   */
  stageKeys(row: Float32Array): number {
    const padded = this.stage(row);
    this.stagedPadded = padded;
    const b = A0 + this.capacity;
    this.heap.fill(0, b, b + padded);
    this.stagedTotal = 0;
    return this.x.max(REGIONS, padded);
  }

  /** The staged row (region A), first `n` entries. */
  keysView(n: number): Float32Array {
    return this.regionA(n);
  }

  /** The staged weights (region B), first `n` entries. */
  weightsView(n: number): Float32Array {
    return this.regionB(n);
  }

  /**
   * Mass and count per histogram bucket of the staged keys/weights (see kernels.wat), written to
   * `mass` and `count` ({@link HISTOGRAM_BUCKETS} entries each). Only buckets below `limit` are
   * filled (keys deeper than limit/4 nats below the best are left out, and skipped quickly).
   */
  histogram(keyMax: number, mass: Float64Array, count: Int32Array, limit = HISTOGRAM_BUCKETS): void {
    // Buckets past the last one used are empty; the kernel does not fold or clear them.
    const used = this.x.histogram(REGIONS, this.regionBByte(), this.stagedPadded, keyMax, HIST, SCRATCH, limit) + 1;
    const m = this.heapF64;
    const c = this.heapI32;
    for (let b = 0; b < used; b++) {
      mass[b] = m[HIST / 8 + b]!;
      count[b] = c[HIST_COUNTS / 4 + b]!;
    }
    mass.fill(0, used);
    count.fill(0, used);
  }

  /** Writes to `band` the indices of staged keys in histogram bucket `bucket`; returns how many. */
  gather(keyMax: number, bucket: number, band: Int32Array): number {
    const c = REGIONS + 2 * this.capacity * 4;
    const count = this.x.gather(REGIONS, this.stagedPadded, keyMax, bucket, c);
    const src = this.heapI32;
    for (let i = 0, j = c / 4; i < count; i++, j++) band[i] = src[j]!;
    return count;
  }

  /** {@link maskOutside} on the staged row, the result copied to `out`. */
  maskStaged(key: number, index: number, out: Float32Array): void {
    this.x.maskOutside(REGIONS, this.stagedPadded, key, index);
    out.set(this.regionA(out.length));
  }

  /** Largest element, NaN skipped; -Infinity for an empty row or one without numbers. */
  max(row: Float32Array): number {
    return this.x.max(REGIONS, this.stage(row));
  }

  /** Index of the largest element, the lowest index on ties; 0 when there is no number. */
  argmax(row: Float32Array): number {
    const padded = this.stage(row);
    const m = this.x.max(REGIONS, padded);
    if (m === -Infinity) return 0;
    return this.x.firstIndexOf(REGIONS, padded, m);
  }

  /**
   * argmax and log Σ exp of one row, staged once (greedy decoding's whole step): returns the index,
   * leaves the log-sum-exp in {@link lastLogSumExp} (-Infinity when the row has no number).
   */
  argmaxLogSumExp(row: Float32Array): number {
    const padded = this.stage(row);
    const m = this.x.max(REGIONS, padded);
    if (m === -Infinity) {
      this.lastLogSumExp = m;
      return 0;
    }
    const index = this.x.firstIndexOf(REGIONS, padded, m);
    this.lastLogSumExp = this.logSumExpAround(row, padded, m);
    return index;
  }

  /** Set by {@link argmaxLogSumExp} and {@link collectTop}. */
  lastLogSumExp = -Infinity;
  /** The threshold {@link collectTop} settled on: every entry left out is below it. */
  lastThreshold = -Infinity;
  /** The last k a cut was searched for, and how far below the row maximum it ended. */
  private cutHintK = -1;
  private cutHintDelta = 8;

  /**
   * Beam search's candidate pass over one row, staged once: writes to `out` the indices (in index
   * order) of every entry ≥ a threshold low enough that at least `k` entries qualify (or every
   * finite entry, when fewer exist) and few enough to fit `out`; returns their count, leaves the
   * threshold in {@link lastThreshold} and log Σ exp(row) in {@link lastLogSumExp}. Returns -1
   * (nothing collected) for a row whose maximum is +Infinity or whose ties are too wide to fit
   * `out`; the caller then scans the row itself. `hinted` starts the threshold search where the
   * last hinted search for this k ended (fewer counting passes), so which entries past the k-th
   * are collected then depends on earlier calls: only for callers whose result does not.
   */
  collectTop(row: Float32Array, k: number, out: Int32Array, hinted = false): number {
    const padded = this.stage(row);
    const max = this.x.max(REGIONS, padded);
    const count = this.collectStaged(padded, max, k, out, hinted);
    // Last: where the exp pass runs here, its exponentials overwrite the staged row.
    this.lastLogSumExp = this.logSumExpAround(row, padded, max);
    return count;
  }

  /**
   * top-k's selection pass: stages `row` (for {@link maskStaged}) and writes to `out` the indices
   * of every entry ≥ a threshold that at least `k` entries reach, as {@link collectTop} does, but
   * without the log-sum-exp. Returns their count (less than k only when fewer finite entries
   * exist), or -1 where the caller must rank the row another way.
   */
  collectAtLeastK(row: Float32Array, k: number, out: Int32Array): number {
    const padded = this.stage(row);
    this.stagedPadded = padded;
    return this.collectStaged(padded, this.x.max(REGIONS, padded), k, out);
  }

  /** `hinted`: start from, and update, the last cut's distance (whole rows of a generation). */
  private collectStaged(padded: number, max: number, k: number, out: Int32Array, hinted = false): number {
    this.lastThreshold = -Infinity;
    if (max === Infinity) return -1;
    if (max === -Infinity) return 0;
    const cap = Math.min(out.length, this.capacity);
    if (k > cap) return -1;
    const c = REGIONS + 2 * this.capacity * 4;
    // Search the distance below the maximum (nats) with counting passes: too few qualify ->
    // widen, more than `target` -> narrow; a few passes are cheaper than collecting and ranking
    // hundreds of entries. Any threshold whose count lies in [k, cap] will do in the end.
    const target = Math.min(cap, Math.max(4 * k, 64));
    // Start from the distance that worked last time for this k: successive rows of a generation
    // have much the same shape, so the first pass usually lands in [k, target].
    let delta = hinted && k === this.cutHintK ? this.cutHintDelta : 8;
    let tooFew = 0;
    let tooMany = Infinity;
    let threshold = NaN;
    for (let pass = 0; pass < 12; pass++) {
      const t = delta > 1e4 ? -FLOAT32_MAX : Math.fround(max - delta);
      const count = this.x.countAtLeast(REGIONS, padded, t);
      if (count >= k || delta > 1e4) {
        if (count <= cap) threshold = t;
        if (count <= target) break;
        tooMany = delta;
      } else {
        tooFew = delta;
      }
      if (tooMany !== Infinity && tooMany - tooFew <= 1e-6 * tooMany) break; // a tie: no finer cut
      delta = tooMany === Infinity ? delta * 4 : tooFew === 0 ? delta / 4 : (tooFew + tooMany) / 2;
    }
    if (threshold !== threshold) return -1; // every cut with k entries holds more than `out` fits (a wide tie)
    this.lastThreshold = threshold;
    if (hinted && threshold > -FLOAT32_MAX) {
      this.cutHintK = k;
      this.cutHintDelta = max - threshold;
    }
    const count = this.x.collectAtLeast(REGIONS, padded, threshold, c, cap);
    const src = this.heapI32;
    for (let i = 0, j = c / 4; i < count; i++, j++) out[i] = src[j]!;
    return count;
  }

  /** log Σ exp(row[i]) around the row maximum, staged once (NaN skipped; -Infinity for none). */
  logSumExp(row: Float32Array): number {
    const padded = this.stage(row);
    return this.logSumExpAround(row, padded, this.x.max(REGIONS, padded));
  }

  /** Σ exp(row[i] - shift), NaN and -Infinity entries contributing nothing. */
  sumExp(row: Float32Array, shift: number): number {
    const s = nativeExpSum(row, shift);
    if (s === s) return s;
    // In place over the staged copy: the weights are not needed, only their sum.
    return this.x.expWeights(REGIONS, REGIONS, this.stage(row), shift, 1);
  }

  /**
   * log Σ exp(row) around its maximum. The exp pass runs in the addon when it is loaded (ggml's
   * 16-lane expf on AVX-512: a 32 k row in ~15 µs instead of ~100 here), else over the staged copy.
   */
  private logSumExpAround(row: Float32Array, padded: number, max: number): number {
    if (max === -Infinity || max === Infinity) return max;
    const s = nativeExpSum(row, max);
    return max + Math.log(s === s ? s : this.x.expWeights(REGIONS, REGIONS, padded, max, 1));
  }

  /**
   * Σ exp(row[i] - shift) with every term in float64 precision. `llamaArithmetic` rounds each
   * difference and each term to float32 (`expf(float - float)` summed in double), the arithmetic
   * of llama.cpp's perplexity tool; otherwise everything is float64.
   */
  sumExpPrecise(row: Float32Array, shift: number, llamaArithmetic: boolean): number {
    return this.x.expSumPrecise(REGIONS, this.stage(row), shift, llamaArithmetic ? 3 : 0);
  }

  /** Writes exp(row[i] - shift) into `weights` and returns their sum. */
  expWeights(row: Float32Array, shift: number, weights: Float32Array): number {
    const n = row.length;
    const padded = this.stage(row);
    const total = this.x.expWeights(REGIONS, this.regionBByte(), padded, shift, 1);
    weights.set(this.regionB(n));
    return total;
  }

  /** row[i] /= d in place, in float32 arithmetic. */
  divide(row: Float32Array, d: number): void {
    this.x.divide(REGIONS, this.stage(row), d);
    row.set(this.regionA(row.length));
  }

  /**
   * Sets to -Infinity, in place, every entry outside a ranked prefix: kept are entries above `key`
   * and those equal to it at an index ≤ `index`. NaN is never kept.
   */
  maskOutside(row: Float32Array, key: number, index: number): void {
    this.x.maskOutside(REGIONS, this.stage(row), key, index);
    row.set(this.regionA(row.length));
  }

  /**
   * Draws an index from softmax(scores) by inversion at `u` ∈ [0, 1): the first index where the
   * running sum of exp(s - max) exceeds u × total. -1 when no entry has probability.
   */
  sample(scores: Float32Array, u: number): number {
    const n = scores.length;
    const padded = this.stage(scores);
    const max = this.x.max(REGIONS, padded);
    if (max === -Infinity) return -1;
    const total = this.x.expWeights(REGIONS, this.regionBByte(), padded, max, 1);
    const i = this.x.cumulativeIndex(this.regionBByte(), padded, u * total);
    if (i >= 0 && i < n) return i;
    // Rounding left u × total just past the walked sum: take the last drawable entry.
    const heap = this.heap;
    const b = A0 + this.capacity;
    for (let j = n - 1; j >= 0; j--) if (heap[b + j]! > 0) return j;
    return -1;
  }

  /** Copies `row` into region A, pads it to a multiple of PAD and returns the padded length. */
  private stage(row: Float32Array): number {
    const n = row.length;
    const padded = Math.ceil(n / PAD) * PAD;
    if (padded > this.capacity) this.grow(padded);
    const heap = this.heap;
    heap.set(row, A0);
    for (let i = A0 + n; i < A0 + padded; i++) heap[i] = -Infinity;
    return padded;
  }

  private grow(padded: number): void {
    const memory = this.x.memory;
    const needPages = Math.ceil((REGIONS + padded * 3 * 4) / 65536);
    const havePages = memory.buffer.byteLength / 65536;
    if (needPages > havePages) memory.grow(needPages - havePages);
    // Growing detaches the old views; callers hold views only between two staging calls.
    this.heap = new Float32Array(memory.buffer);
    this.heapI32 = new Int32Array(memory.buffer);
    this.heapF64 = new Float64Array(memory.buffer);
    this.capacity = Math.floor((this.heap.length - A0) / 3 / PAD) * PAD;
    this.viewA = this.viewB = undefined;
  }

  // Cached views of the first n elements of each region: a new view only when n changes, so the
  // per-token path allocates nothing.
  private regionA(n: number): Float32Array {
    if (this.viewA?.length !== n || this.viewA.buffer !== this.heap.buffer) this.viewA = this.heap.subarray(A0, A0 + n);
    return this.viewA;
  }

  private regionBByte(): number {
    return REGIONS + this.capacity * 4;
  }

  private regionB(n: number): Float32Array {
    const b = A0 + this.capacity;
    if (this.viewB?.length !== n || this.viewB.buffer !== this.heap.buffer || this.viewB.byteOffset !== b * 4) {
      this.viewB = this.heap.subarray(b, b + n);
    }
    return this.viewB;
  }
}

let instance: RowKernels | null | undefined;
let enabled = process.env.LLAMA_LOOM_NO_SIMD !== '1';

/** Rows shorter than this keep the exp pass here: the call into the addon would cost more. */
const NATIVE_EXP_MIN_LENGTH = 1024;
let addonExpSum: ((row: Float32Array, shift: number) => number) | null | undefined;
let nativeExpEnabled = true;

/**
 * Σ exp(row[i] - shift) from the addon, or NaN where the kernels here must do it: a short row, no
 * addon, or a row holding NaN (which the addon's pass does not skip, and the kernels here do).
 */
function nativeExpSum(row: Float32Array, shift: number): number {
  if (row.length < NATIVE_EXP_MIN_LENGTH || !nativeExpEnabled) return NaN;
  if (addonExpSum === undefined) {
    try {
      const addon = native();
      addonExpSum = addon.expSum ? addon.expSum.bind(addon) : null;
    } catch {
      addonExpSum = null; // decoding without the addon (it failed to load): the kernels here serve
    }
  }
  return addonExpSum ? addonExpSum(row, shift) : NaN;
}

/** Turns the addon's exp pass on or off (tests compare it with the WebAssembly one). */
export function useNativeExpSum(on: boolean): void {
  nativeExpEnabled = on;
}

/**
 * The process-wide kernels, or null where WebAssembly SIMD is unavailable or switched off (the
 * callers then run their scalar loops). `LLAMA_LOOM_NO_SIMD=1` switches them off, for comparison.
 */
export function rowKernels(): RowKernels | null {
  if (!enabled) return null;
  if (instance !== undefined) return instance;
  instance = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return instance;
  const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
  if (!wasm.validate(bytes)) return instance;
  instance = new RowKernels(new wasm.Instance(new wasm.Module(bytes)).exports as KernelExports);
  return instance;
}

/** Turns the SIMD kernels on or off for the whole process (tests and benchmarks compare both). */
export function useSimdKernels(on: boolean): void {
  enabled = on;
}
