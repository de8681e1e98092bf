// Reductions over a row of logits for the TypeScript decoding kernels.
#pragma once

#include "common.h"

namespace loom {

// expSum(row: Float32Array, shift: number) -> number
// Σ exp(row[i] − shift) in double, with ggml's SIMD expf (16 lanes with AVX-512, 8 with AVX2,
// 4 with NEON); -Infinity entries add 0. NaN when the row holds a NaN or `shift` is not finite:
// the caller then takes its own path, which skips NaN.
Napi::Value ExpSum(const Napi::CallbackInfo& info);

}  // namespace loom
