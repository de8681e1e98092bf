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
  divide(p: number, n: number, d: number): void;
  maskOutside(p: number, n: number, key: number, index: number): void;
  cumulativeIndex(p: number, n: number, target: number): number;
}

/** Kernels run on whole multiples of this many elements; rows are padded with -Infinity. */
const PAD = 16;

/**
 * Row operations backed by the SIMD module. Two staging regions live in its memory: A receives the
 * input row, B the weights a kernel writes. Every method is synchronous and finishes with the
 * regions, so one instance serves every generation in the process.
 */
export class RowKernels {
  private heap: Float32Array;
  /** Elements per region (a multiple of PAD); region B starts at this index. */
  private capacity = 0;
  private viewA: Float32Array | undefined;
  private viewB: Float32Array | undefined;

  constructor(private readonly x: KernelExports) {
    this.heap = new Float32Array(x.memory.buffer);
  }

  /** Largest element, NaN skipped; -Infinity for an empty row or one without numbers. */
  max(row: Float32Array): number {
    return this.x.max(0, this.stage(row));
  }

  /** Index of the largest element, the lowest index on ties; 0 when there is no number. */
  argmax(row: Float32Array): number {
    const padded = this.stage(row);
    const m = this.x.max(0, padded);
    if (m === -Infinity) return 0;
    return this.x.firstIndexOf(0, padded, m);
  }

  /** Σ exp((row[i] - shift) · scale), NaN and -Infinity entries contributing nothing. */
  sumExp(row: Float32Array, shift: number, scale = 1): number {
    // In place over the staged copy: the weights are not needed, only their sum.
    return this.x.expWeights(0, 0, this.stage(row), shift, scale);
  }

  /** Writes exp((row[i] - shift) · scale) into `weights` and returns their sum. */
  expWeights(row: Float32Array, shift: number, weights: Float32Array, scale = 1): number {
    const n = row.length;
    const total = this.x.expWeights(0, this.capacity * 4, this.stage(row), shift, scale);
    weights.set(this.regionB(n));
    return total;
  }

  /** row[i] /= d in place, in float32 arithmetic. */
  divide(row: Float32Array, d: number): void {
    this.x.divide(0, this.stage(row), d);
    row.set(this.regionA(row.length));
  }

  /**
   * Sets to -Infinity, in place, every entry outside a ranked prefix: kept are entries above `key`
   * and those equal to it at an index ≤ `index`. NaN is never kept.
   */
  maskOutside(row: Float32Array, key: number, index: number): void {
    this.x.maskOutside(0, this.stage(row), key, index);
    row.set(this.regionA(row.length));
  }

  /**
   * Draws an index from softmax(scores) by inversion at `u` ∈ [0, 1): the first index where the
   * running sum of exp(s - max) exceeds u × total. -1 when no entry has probability.
   */
  sample(scores: Float32Array, u: number): number {
    const n = scores.length;
    const padded = this.stage(scores);
    const max = this.x.max(0, padded);
    if (max === -Infinity) return -1;
    const b = this.capacity;
    const total = this.x.expWeights(0, b * 4, padded, max, 1);
    const i = this.x.cumulativeIndex(b * 4, padded, u * total);
    if (i >= 0 && i < n) return i;
    // Rounding left u × total just past the walked sum: take the last drawable entry.
    const heap = this.heap;
    for (let j = n - 1; j >= 0; j--) if (heap[b + j]! > 0) return j;
    return -1;
  }

  /** Copies `row` into region A, pads it to a multiple of PAD and returns the padded length. */
  private stage(row: Float32Array): number {
    const n = row.length;
    const padded = Math.ceil(n / PAD) * PAD;
    if (padded > this.capacity) this.grow(padded);
    const heap = this.heap;
    heap.set(row, 0);
    for (let i = n; i < padded; i++) heap[i] = -Infinity;
    return padded;
  }

  private grow(padded: number): void {
    const memory = this.x.memory;
    const needPages = Math.ceil((padded * 2 * 4) / 65536);
    const havePages = memory.buffer.byteLength / 65536;
    if (needPages > havePages) memory.grow(needPages - havePages);
    // Growing detaches the old views; only this class holds views, and none outlives a call.
    this.heap = new Float32Array(memory.buffer);
    this.capacity = Math.floor(this.heap.length / 2 / PAD) * PAD;
    this.viewA = this.viewB = undefined;
  }

  // Cached views of the first n elements of each region: a new view only when n changes, so the
  // per-token path allocates nothing.
  private regionA(n: number): Float32Array {
    if (this.viewA?.length !== n || this.viewA.buffer !== this.heap.buffer) this.viewA = this.heap.subarray(0, n);
    return this.viewA;
  }

  private regionB(n: number): Float32Array {
    const b = this.capacity;
    if (this.viewB?.length !== n || this.viewB.buffer !== this.heap.buffer || this.viewB.byteOffset !== b * 4) {
      this.viewB = this.heap.subarray(b, b + n);
    }
    return this.viewB;
  }
}

let instance: RowKernels | null | undefined;
let enabled = process.env.LLAMA_LOOM_NO_SIMD !== '1';

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
