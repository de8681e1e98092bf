;; Row kernels for the per-token passes over the vocabulary (llama-loom's TypeScript decoding).
;; Scalar JavaScript spends 10-20 ns per element on exp() and 2-5 ns on a max; these f32x4 loops
;; do the same passes 4-12x faster (measured on the 2-core CI machine). Source of lib/decoding/select/kernels-wasm.ts: `npm run build:wasm`
;; regenerates it and a test checks the two agree.
;;
;; Conventions: pointers are byte offsets into the exported memory, aligned to 16 bytes; `n`
;; counts f32 elements and is a multiple of 16 (the caller pads rows with -inf, which every
;; kernel treats as probability zero). NaN inputs are skipped like -inf.
(module
  (memory (export "memory") 1)

  ;; Largest element (NaN skipped); -inf when there is none.
  (func (export "max") (param $p i32) (param $n i32) (result f32)
    (local $end i32) (local $a v128) (local $b v128)
    (local.set $a (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $b (local.get $a))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; pmax(a, x) keeps a when x is NaN.
        (local.set $a (f32x4.pmax (local.get $a) (v128.load (local.get $p))))
        (local.set $b (f32x4.pmax (local.get $b) (v128.load offset=16 (local.get $p))))
        (local.set $a (f32x4.pmax (local.get $a) (v128.load offset=32 (local.get $p))))
        (local.set $b (f32x4.pmax (local.get $b) (v128.load offset=48 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $next)))
    (local.set $a (f32x4.pmax (local.get $a) (local.get $b)))
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.max (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  ;; Index of the first element equal to v, or -1.
  (func (export "firstIndexOf") (param $p i32) (param $n i32) (param $v f32) (result i32)
    (local $i i32) (local $vv v128)
    (local.set $vv (f32x4.splat (local.get $v)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (v128.any_true (f32x4.eq (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))) (local.get $vv)))
          (then
            (loop $lane
              (if (f32.eq (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))) (local.get $v))
                (then (return (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $lane (i32.and (local.get $i) (i32.const 3))))
            (br $next)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (i32.const -1))

  ;; Writes w = e^((x - shift) * scale) from src to dst (which may equal src) and returns Σ w,
  ;; summed in f64 (four f64x2 accumulators), so the total of a 152k-entry row carries float64
  ;; accuracy like a scalar loop's `double` sum. e^x is Cephes' expf, inlined (V8 does not inline
  ;; wasm calls by default): x = t*ln2 + r with t = round(x*log2 e), |r| <= ln2/2, a degree-7
  ;; polynomial for e^r and 2^t built in the exponent bits; about 1 ulp. Lanes below -87.33654
  ;; (where e^x leaves float32's normal range), -inf and NaN give +0; above 88.3 saturates.
  (func (export "expWeights") (param $src i32) (param $dst i32) (param $n i32) (param $shift f32) (param $scale f32) (result f64)
    (local $end i32) (local $lo v128) (local $hi v128) (local $lo2 v128) (local $hi2 v128) (local $s v128) (local $k v128)
    (local $x v128) (local $t v128) (local $r v128) (local $p v128) (local $keep v128)
    (local $x2 v128) (local $t2 v128) (local $r2 v128) (local $p2 v128) (local $keep2 v128)
    (local.set $s (f32x4.splat (local.get $shift)))
    (local.set $k (f32x4.splat (local.get $scale)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    ;; Two vectors per iteration, as two independent chains: one chain alone waits on the latency
    ;; of its ~20 dependent operations (the loop ran at ~4.4 ns per element).
    (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
          ;; Rows filtered by top-k/top-p are mostly -inf: such vectors are zeros, no exp needed.
          (if (i32.eqz (v128.any_true (v128.or
                (f32x4.gt (v128.load (local.get $src)) (v128.const f32x4 -inf -inf -inf -inf))
                (f32x4.gt (v128.load offset=16 (local.get $src)) (v128.const f32x4 -inf -inf -inf -inf)))))
            (then
              (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
              (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
              (local.set $src (i32.add (local.get $src) (i32.const 32)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (br $next)))
          ;; x*log2(e) rounded gives t; ln2 is split in two so that t*C1 is exact (C1 has 9
          ;; significant bits); e^r = p*r^2 + r + 1, times 2^t built in the exponent bits, zeroed
          ;; where the input had no probability. (The same arithmetic for both vectors.)
          (local.set $x (f32x4.mul (f32x4.sub (v128.load (local.get $src)) (local.get $s)) (local.get $k)))
          (local.set $keep (f32x4.ge (local.get $x) (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654)))
          (local.set $x (f32x4.pmax (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654)
            (f32x4.pmin (v128.const f32x4 88.3 88.3 88.3 88.3) (local.get $x))))
          (local.set $t (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
          (local.set $r (f32x4.sub
            (f32x4.sub (local.get $x) (f32x4.mul (local.get $t) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
            (f32x4.mul (local.get $t) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
          (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $r))
            (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
          (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
          (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
          (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
          (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
          (local.set $p (f32x4.add
            (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
            (v128.const f32x4 1 1 1 1)))
          (local.set $p (v128.and
            (f32x4.mul (local.get $p)
              (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $t)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
            (local.get $keep)))
          (v128.store (local.get $dst) (local.get $p))
          (local.set $x2 (f32x4.mul (f32x4.sub (v128.load offset=16 (local.get $src)) (local.get $s)) (local.get $k)))
          (local.set $keep2 (f32x4.ge (local.get $x2) (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654)))
          (local.set $x2 (f32x4.pmax (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654)
            (f32x4.pmin (v128.const f32x4 88.3 88.3 88.3 88.3) (local.get $x2))))
          (local.set $t2 (f32x4.nearest (f32x4.mul (local.get $x2) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
          (local.set $r2 (f32x4.sub
            (f32x4.sub (local.get $x2) (f32x4.mul (local.get $t2) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
            (f32x4.mul (local.get $t2) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
          (local.set $p2 (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $r2))
            (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
          (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
          (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
          (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
          (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
          (local.set $p2 (f32x4.add
            (f32x4.add (f32x4.mul (f32x4.mul (local.get $p2) (local.get $r2)) (local.get $r2)) (local.get $r2))
            (v128.const f32x4 1 1 1 1)))
          (local.set $p2 (v128.and
            (f32x4.mul (local.get $p2)
              (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $t2)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
            (local.get $keep2)))
          (v128.store offset=16 (local.get $dst) (local.get $p2))
          (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $p))))
          (local.set $hi (f64x2.add (local.get $hi)
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p)))))
          (local.set $lo2 (f64x2.add (local.get $lo2) (f64x2.promote_low_f32x4 (local.get $p2))))
          (local.set $hi2 (f64x2.add (local.get $hi2)
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p2) (local.get $p2)))))
          (local.set $src (i32.add (local.get $src) (i32.const 32)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (br $next)))
    (local.set $lo (f64x2.add (f64x2.add (local.get $lo) (local.get $hi)) (f64x2.add (local.get $lo2) (local.get $hi2))))
    (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))

  ;; Σ e^(x - shift) over the row with every term in float64 (degree-11 Taylor after range
  ;; reduction, ~1e-14 relative). $mode bit 2 rounds each difference to float32, bit 1 each term:
  ;; with both, the sum llama-perplexity forms (`double += expf(float - float)`) term for term, so
  ;; perplexities agree with it to every printed digit. Terms below e^-700, -inf and NaN count 0.
  (func (export "expSumPrecise") (param $p i32) (param $n i32) (param $shift f64) (param $mode i32) (result f64)
    (local $end i32) (local $s v128) (local $d v128) (local $sum v128) (local $half i32)
    (local $v v128) (local $t v128) (local $r v128) (local $q v128) (local $keep v128)
    (local.set $s (f64x2.splat (local.get $shift)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $d (v128.load (local.get $p)))
        (local.set $half (i32.const 0))
        (loop $halves
          ;; float64 difference of two float32 values: exact, so rounding it to float32 gives what
          ;; a float32 subtraction gives.
          (local.set $v (f64x2.sub (f64x2.promote_low_f32x4 (local.get $d)) (local.get $s)))
          (if (i32.and (local.get $mode) (i32.const 2))
            (then (local.set $v (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $v))))))
          (local.set $keep (f64x2.ge (local.get $v) (f64x2.splat (f64.const -700))))
          (local.set $v (f64x2.pmax (f64x2.splat (f64.const -700)) (local.get $v)))
          (local.set $t (f64x2.nearest (f64x2.mul (local.get $v) (f64x2.splat (f64.const 1.4426950408889634)))))
          (local.set $r (f64x2.sub
            (f64x2.sub (local.get $v) (f64x2.mul (local.get $t) (f64x2.splat (f64.const 0.6931471803691238))))
            (f64x2.mul (local.get $t) (f64x2.splat (f64.const 1.9082149292705877e-10)))))
          (local.set $q (f64x2.splat (f64.const 2.505210838544172e-08)))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 2.755731922398589e-07))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 2.755731922398589e-06))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 2.48015873015873e-05))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 0.0001984126984126984))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 0.001388888888888889))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 0.008333333333333333))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 0.041666666666666664))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 0.16666666666666666))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 0.5))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 1.0))))
          (local.set $q (f64x2.add (f64x2.mul (local.get $q) (local.get $r)) (f64x2.splat (f64.const 1.0))))
          ;; times 2^t from the exponent bits, zero where the term does not count
          (local.set $q (v128.and (local.get $keep) (f64x2.mul (local.get $q)
            (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $t)))
              (i64x2.splat (i64.const 1023))) (i32.const 52)))))
          (if (i32.and (local.get $mode) (i32.const 1))
            (then (local.set $q (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $q))))))
          (local.set $sum (f64x2.add (local.get $sum) (local.get $q)))
          (local.set $d (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))
          (local.set $half (i32.add (local.get $half) (i32.const 1)))
          (br_if $halves (i32.lt_u (local.get $half) (i32.const 2))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))

  ;; Histogram of a ranked row for the mass-prefix search: bucket = floor((keyMax - key) * 4),
  ;; clamped to 255 (quarter-nat buckets); per bucket the summed weight (f64) and the count.
  ;; Keys that are NaN or -inf, or fall in bucket $limit or deeper, are left out, and pairs of
  ;; vectors holding none that count are skipped: with $limit = 64 (16 nats) a language model's
  ;; row is mostly skipped, and the caller rescans the whole range only when the prefix does not
  ;; complete within it. Eight sub-histograms (one per lane of two vectors) keep
  ;; consecutive updates of a popular bucket from waiting on each other; buckets 0..maxBucket of
  ;; them are folded into the first, and maxBucket (-1 when no key counted) is returned. Layout at
  ;; $h: mass f64[8][257], then count i32[8][257] (the 257th bucket of each takes the left-out
  ;; lanes); $scratch holds 64 bytes. The next call clears only what this one used.
  (global $usedBuckets (mut i32) (i32.const 257))
  (func (export "histogram") (param $keys i32) (param $weights i32) (param $n i32) (param $keyMax f32) (param $h i32) (param $scratch i32) (param $limit i32) (result i32)
    (local $end i32) (local $km v128) (local $x v128) (local $b v128) (local $b2 v128) (local $lim v128) (local $valid v128) (local $valid2 v128) (local $mb v128)
    (local $j i32) (local $slot i32) (local $counts i32) (local $maxB i32)
    (local.set $counts (i32.add (local.get $h) (i32.const 16448)))
    ;; Clear buckets 0..used-1 and the left-out bucket of every sub-histogram.
    (local.set $j (i32.const 0))
    (loop $clear
      (memory.fill (i32.add (local.get $h) (i32.mul (local.get $j) (i32.const 2056))) (i32.const 0)
        (i32.shl (global.get $usedBuckets) (i32.const 3)))
      (memory.fill (i32.add (local.get $counts) (i32.mul (local.get $j) (i32.const 1028))) (i32.const 0)
        (i32.shl (global.get $usedBuckets) (i32.const 2)))
      (f64.store offset=2048 (i32.add (local.get $h) (i32.mul (local.get $j) (i32.const 2056))) (f64.const 0))
      (i32.store offset=1024 (i32.add (local.get $counts) (i32.mul (local.get $j) (i32.const 1028))) (i32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $clear (i32.lt_u (local.get $j) (i32.const 8))))
    (local.set $mb (v128.const i32x4 -1 -1 -1 -1))
    (local.set $lim (i32x4.splat (local.get $limit)))
    (local.set $km (f32x4.splat (local.get $keyMax)))
    (local.set $end (i32.add (local.get $keys) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $keys) (local.get $end)))
        ;; Raw buckets of 8 keys; a lane counts when its key is a number above -inf and its
        ;; bucket is below the limit.
        (local.set $x (v128.load (local.get $keys)))
        (local.set $b (i32x4.trunc_sat_f32x4_s (f32x4.pmin (v128.const f32x4 255 255 255 255)
          (f32x4.mul (f32x4.sub (local.get $km) (local.get $x)) (v128.const f32x4 4 4 4 4)))))
        (local.set $valid (v128.and (f32x4.gt (local.get $x) (v128.const f32x4 -inf -inf -inf -inf))
          (i32x4.lt_s (local.get $b) (local.get $lim))))
        (local.set $x (v128.load offset=16 (local.get $keys)))
        (local.set $b2 (i32x4.trunc_sat_f32x4_s (f32x4.pmin (v128.const f32x4 255 255 255 255)
          (f32x4.mul (f32x4.sub (local.get $km) (local.get $x)) (v128.const f32x4 4 4 4 4)))))
        (local.set $valid2 (v128.and (f32x4.gt (local.get $x) (v128.const f32x4 -inf -inf -inf -inf))
          (i32x4.lt_s (local.get $b2) (local.get $lim))))
        (if (v128.any_true (v128.or (local.get $valid) (local.get $valid2)))
          (then
            ;; Buckets and weights of the 8 entries to the scratch area, then 8 scalar updates.
            (local.set $mb (i32x4.max_s (local.get $mb) (v128.bitselect (local.get $b) (v128.const i32x4 -1 -1 -1 -1) (local.get $valid))))
            (local.set $mb (i32x4.max_s (local.get $mb) (v128.bitselect (local.get $b2) (v128.const i32x4 -1 -1 -1 -1) (local.get $valid2))))
            (v128.store (local.get $scratch) (v128.bitselect (local.get $b) (v128.const i32x4 256 256 256 256) (local.get $valid)))
            (v128.store offset=16 (local.get $scratch) (v128.bitselect (local.get $b2) (v128.const i32x4 256 256 256 256) (local.get $valid2)))
            (v128.store offset=32 (local.get $scratch) (v128.load (local.get $weights)))
            (v128.store offset=48 (local.get $scratch) (v128.load offset=16 (local.get $weights)))
            (local.set $j (i32.const 0))
            (loop $lane
              ;; slot = j * 257 + bucket
              (local.set $slot (i32.add (i32.mul (local.get $j) (i32.const 257))
                (i32.load (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 2))))))
              (f64.store (i32.add (local.get $h) (i32.shl (local.get $slot) (i32.const 3)))
                (f64.add (f64.load (i32.add (local.get $h) (i32.shl (local.get $slot) (i32.const 3))))
                  (f64.promote_f32 (f32.load offset=32 (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 2)))))))
              (i32.store (i32.add (local.get $counts) (i32.shl (local.get $slot) (i32.const 2)))
                (i32.add (i32.load (i32.add (local.get $counts) (i32.shl (local.get $slot) (i32.const 2)))) (i32.const 1)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $lane (i32.lt_u (local.get $j) (i32.const 8))))))
        (local.set $keys (i32.add (local.get $keys) (i32.const 32)))
        (local.set $weights (i32.add (local.get $weights) (i32.const 32)))
        (br $next)))
    (local.set $maxB (i32x4.extract_lane 0 (local.get $mb)))
    (local.set $j (i32x4.extract_lane 1 (local.get $mb)))
    (local.set $maxB (select (local.get $maxB) (local.get $j) (i32.gt_s (local.get $maxB) (local.get $j))))
    (local.set $j (i32x4.extract_lane 2 (local.get $mb)))
    (local.set $maxB (select (local.get $maxB) (local.get $j) (i32.gt_s (local.get $maxB) (local.get $j))))
    (local.set $j (i32x4.extract_lane 3 (local.get $mb)))
    (local.set $maxB (select (local.get $maxB) (local.get $j) (i32.gt_s (local.get $maxB) (local.get $j))))
    ;; Fold buckets 0..maxB of sub-histograms 1..7 into sub-histogram 0.
    (local.set $j (i32.const 257))
    (block $folded
      (loop $fold
        (br_if $folded (i32.ge_u (local.get $j) (i32.const 2056)))
        (local.set $slot (i32.rem_u (local.get $j) (i32.const 257)))
        (if (i32.le_s (local.get $slot) (local.get $maxB))
          (then
            (f64.store (i32.add (local.get $h) (i32.shl (local.get $slot) (i32.const 3)))
              (f64.add (f64.load (i32.add (local.get $h) (i32.shl (local.get $slot) (i32.const 3))))
                (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3))))))
            (i32.store (i32.add (local.get $counts) (i32.shl (local.get $slot) (i32.const 2)))
              (i32.add (i32.load (i32.add (local.get $counts) (i32.shl (local.get $slot) (i32.const 2))))
                (i32.load (i32.add (local.get $counts) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1))))
          (else
            ;; Skip to the next sub-histogram.
            (local.set $j (i32.add (i32.sub (local.get $j) (local.get $slot)) (i32.const 257)))))
        (br $fold)))
    (global.set $usedBuckets (i32.add (local.get $maxB) (i32.const 1)))
    (local.get $maxB))

  ;; Writes to $out (i32) the indices of the keys in histogram bucket $bucket, in index order,
  ;; and returns how many there are.
  (func (export "gather") (param $keys i32) (param $n i32) (param $keyMax f32) (param $bucket i32) (param $out i32) (result i32)
    (local $i i32) (local $count i32) (local $km v128) (local $x v128) (local $b v128) (local $k f32) (local $lane i32)
    (local.set $km (f32x4.splat (local.get $keyMax)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (v128.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (v128.bitselect
          (i32x4.trunc_sat_f32x4_s (f32x4.pmin (v128.const f32x4 255 255 255 255)
            (f32x4.mul (f32x4.sub (local.get $km) (local.get $x)) (v128.const f32x4 4 4 4 4))))
          (v128.const i32x4 256 256 256 256)
          (f32x4.gt (local.get $x) (v128.const f32x4 -inf -inf -inf -inf))))
        (if (v128.any_true (i32x4.eq (local.get $b) (i32x4.splat (local.get $bucket))))
          (then
            (local.set $lane (i32.const 0))
            (loop $each
              (local.set $k (f32.load (i32.add (local.get $keys) (i32.shl (i32.add (local.get $i) (local.get $lane)) (i32.const 2)))))
              ;; Same bucket arithmetic as above, in scalar form.
              (if (i32.and (f32.gt (local.get $k) (f32.const -inf))
                    (i32.eq (local.get $bucket)
                      (i32.trunc_sat_f32_s (f32.min (f32.const 255) (f32.mul (f32.sub (local.get $keyMax) (local.get $k)) (f32.const 4))))))
                (then
                  (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))) (i32.add (local.get $i) (local.get $lane)))
                  (local.set $count (i32.add (local.get $count) (i32.const 1)))))
              (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
              (br_if $each (i32.lt_u (local.get $lane) (i32.const 4))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.get $count))

  ;; How many elements are >= $threshold (NaN never): the counting pass that picks the
  ;; threshold for collectAtLeast, with no stores at all.
  (func (export "countAtLeast") (param $p i32) (param $n i32) (param $threshold f32) (result i32)
    (local $end i32) (local $tv v128) (local $a v128) (local $b v128)
    (local.set $tv (f32x4.splat (local.get $threshold)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; A true lane is all ones (-1): subtracting the mask counts it.
        (local.set $a (i32x4.sub (local.get $a) (f32x4.ge (v128.load (local.get $p)) (local.get $tv))))
        (local.set $b (i32x4.sub (local.get $b) (f32x4.ge (v128.load offset=16 (local.get $p)) (local.get $tv))))
        (local.set $a (i32x4.sub (local.get $a) (f32x4.ge (v128.load offset=32 (local.get $p)) (local.get $tv))))
        (local.set $b (i32x4.sub (local.get $b) (f32x4.ge (v128.load offset=48 (local.get $p)) (local.get $tv))))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $next)))
    (local.set $a (i32x4.add (local.get $a) (local.get $b)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $a)) (i32x4.extract_lane 1 (local.get $a)))
      (i32.add (i32x4.extract_lane 2 (local.get $a)) (i32x4.extract_lane 3 (local.get $a)))))

  ;; Writes to $out (i32) the indices of the elements >= $threshold, in index order, at most $cap
  ;; of them, and returns how many there are (which may exceed $cap: the caller then narrows the
  ;; threshold). Vectors with no such element cost one compare: beam search's candidate pass.
  (func (export "collectAtLeast") (param $p i32) (param $n i32) (param $threshold f32) (param $out i32) (param $cap i32) (result i32)
    (local $i i32) (local $count i32) (local $tv v128) (local $lane i32)
    (local.set $tv (f32x4.splat (local.get $threshold)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (v128.any_true (v128.or
              (f32x4.ge (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))) (local.get $tv))
              (f32x4.ge (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))) (local.get $tv))))
          (then
            (local.set $lane (i32.const 0))
            (loop $each
              (if (f32.ge (f32.load (i32.add (local.get $p) (i32.shl (i32.add (local.get $i) (local.get $lane)) (i32.const 2)))) (local.get $threshold))
                (then
                  (if (i32.lt_u (local.get $count) (local.get $cap))
                    (then (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))) (i32.add (local.get $i) (local.get $lane)))))
                  (local.set $count (i32.add (local.get $count) (i32.const 1)))))
              (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
              (br_if $each (i32.lt_u (local.get $lane) (i32.const 8))))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (local.get $count))

  ;; x /= d in place (temperature): float32 division, as torch divides a float32 tensor.
  (func (export "divide") (param $p i32) (param $n i32) (param $d f32)
    (local $end i32) (local $dd v128)
    (local.set $dd (f32x4.splat (local.get $d)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p) (f32x4.div (v128.load (local.get $p)) (local.get $dd)))
        (v128.store offset=16 (local.get $p) (f32x4.div (v128.load offset=16 (local.get $p)) (local.get $dd)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $next))))

  ;; Sets to -inf every element not kept by a ranked-prefix boundary: kept are x > key, and
  ;; x == key at index <= index. NaN is never kept.
  (func (export "maskOutside") (param $p i32) (param $n i32) (param $key f32) (param $index i32)
    (local $end i32) (local $kv v128) (local $iv v128) (local $idx v128) (local $x v128) (local $keep v128)
    (local.set $kv (f32x4.splat (local.get $key)))
    (local.set $iv (i32x4.splat (local.get $index)))
    (local.set $idx (v128.const i32x4 0 1 2 3))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (v128.load (local.get $p)))
        (local.set $keep (v128.or
          (f32x4.gt (local.get $x) (local.get $kv))
          (v128.and (f32x4.eq (local.get $x) (local.get $kv)) (i32x4.le_s (local.get $idx) (local.get $iv)))))
        (v128.store (local.get $p)
          (v128.bitselect (local.get $x) (v128.const f32x4 -inf -inf -inf -inf) (local.get $keep)))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))

  ;; First index where the running sum of the weights exceeds target, or -1. Skips whole
  ;; vectors whose lane sum cannot cross the target, then walks the crossing vector lane by lane.
  (func (export "cumulativeIndex") (param $p i32) (param $n i32) (param $target f64) (result i32)
    (local $i i32) (local $acc f64) (local $v v128) (local $s f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $s (f64.promote_f32 (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))))
        (if (f64.gt (f64.add (local.get $acc) (local.get $s)) (local.get $target))
          (then
            (loop $lane
              (local.set $acc (f64.add (local.get $acc)
                (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
              (if (f64.gt (local.get $acc) (local.get $target)) (then (return (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              ;; Rounding can let the vector sum cross where the lane walk does not.
              (br_if $lane (i32.and (local.get $i) (i32.const 3))))
            (br $next)))
        (local.set $acc (f64.add (local.get $acc) (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (i32.const -1))
)
