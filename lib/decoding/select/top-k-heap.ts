/**
 * Keeps the k best (value, index) pairs seen so far in a binary min-heap whose root is the worst
 * kept pair. Order: higher value first; among equal values the lower index first, so results are
 * deterministic where torch.topk leaves ties unspecified. Buffers are allocated once for the
 * largest k; `reset` is allocation-free, so one instance serves every decoding step.
 */
export class TopKHeap {
  private values: Float64Array;
  private indices: Int32Array;
  private k = 0;
  /** Number of pairs currently kept (≤ k). */
  size = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
    this.indices = new Int32Array(Math.max(1, capacity));
  }

  /** Empties the heap and sets how many pairs to keep (grows the buffers if needed). */
  reset(k: number): void {
    if (k > this.values.length) {
      this.values = new Float64Array(k);
      this.indices = new Int32Array(k);
    }
    this.k = k;
    this.size = 0;
  }

  /** True when (v, i) ranks below (w, j). */
  private static worse(v: number, i: number, w: number, j: number): boolean {
    return v < w || (v === w && i > j);
  }

  /** Offers a pair; NaN values are ignored. */
  push(value: number, index: number): void {
    if (value !== value) return;
    const vals = this.values;
    const idx = this.indices;
    if (this.size < this.k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!TopKHeap.worse(value, index, vals[p]!, idx[p]!)) break;
        vals[c] = vals[p]!;
        idx[c] = idx[p]!;
        c = p;
      }
      vals[c] = value;
      idx[c] = index;
      return;
    }
    if (this.k === 0 || !TopKHeap.worse(vals[0]!, idx[0]!, value, index)) return;
    this.siftDown(value, index, this.size);
  }

  private siftDown(value: number, index: number, n: number): void {
    const vals = this.values;
    const idx = this.indices;
    let c = 0;
    for (;;) {
      let child = 2 * c + 1;
      if (child >= n) break;
      const r = child + 1;
      if (r < n && TopKHeap.worse(vals[r]!, idx[r]!, vals[child]!, idx[child]!)) child = r;
      if (!TopKHeap.worse(vals[child]!, idx[child]!, value, index)) break;
      vals[c] = vals[child]!;
      idx[c] = idx[child]!;
      c = child;
    }
    vals[c] = value;
    idx[c] = index;
  }

  /** Value of the worst kept pair (the k-th best once k pairs were offered). */
  minValue(): number {
    return this.size === 0 ? -Infinity : this.values[0]!;
  }

  /**
   * Sorts the kept pairs best-first into `outValues`/`outIndices` (which need `size` slots) and
   * empties the heap. Returns the number written.
   */
  drainSorted(outValues: Float64Array | Float32Array, outIndices: Int32Array): number {
    const n = this.size;
    // Repeatedly pop the worst pair into the last free slot: the result comes out best-first.
    for (let last = n - 1; last >= 0; last--) {
      outValues[last] = this.values[0]!;
      outIndices[last] = this.indices[0]!;
      const v = this.values[last]!;
      const i = this.indices[last]!;
      this.siftDown(v, i, last);
    }
    this.size = 0;
    return n;
  }
}

/**
 * The k-th largest value of `row` (ties counted separately, NaN ignored), via a bounded heap: one
 * pass, no sort of the row. Returns -Infinity when k exceeds the number of comparable entries.
 */
export function kthLargest(row: Float32Array, k: number, heap: TopKHeap): number {
  if (k <= 0) return Infinity;
  heap.reset(k);
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    // Cheap rejection keeps the common case to one comparison per entry.
    if (heap.size === k && v <= heap.minValue()) continue;
    heap.push(v, i);
  }
  return heap.size < k ? -Infinity : heap.minValue();
}
