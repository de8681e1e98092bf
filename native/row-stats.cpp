// Σ exp over a logits row on ggml's SIMD exp. The decoding kernels in TypeScript run on
// WebAssembly's 4-lane SIMD, where the exp pass behind every log-softmax (the log-probs each
// strategy returns) cost ~3 ns an entry: ~100 µs per 32 k row, 400 µs of a 4-beam step.
#include "row-stats.h"

#include <cmath>
#include <vector>

// ggml-cpu's own softmax pass (ggml/src/ggml-cpu/vec.cpp, declared in its internal vec.h):
// y[i] = exp(x[i] − max), returns Σ y in double. Linked statically into the addon.
extern "C" double ggml_vec_soft_max_f32(const int n, float* y, const float* x, float max);

namespace loom {

Napi::Value ExpSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    ThrowTypeError(env, "row", "a Float32Array", info.Length() < 1 ? env.Undefined() : info[0]);
  }
  if (info.Length() < 2 || !info[1].IsNumber()) ThrowTypeError(env, "shift", "a number", info.Length() < 2 ? env.Undefined() : info[1]);
  Napi::Float32Array row = info[0].As<Napi::Float32Array>();
  const double shift = info[1].As<Napi::Number>().DoubleValue();
  const size_t n = row.ElementLength();
  if (!std::isfinite(shift) || n > static_cast<size_t>(INT32_MAX)) return Napi::Number::New(env, NAN);
  if (n == 0) return Napi::Number::New(env, 0);
  // The pass also stores each exp; one scratch row per thread (only the JS thread calls this).
  thread_local std::vector<float> scratch;
  if (scratch.size() < n) scratch.resize(n);
  const double sum = ggml_vec_soft_max_f32(static_cast<int>(n), scratch.data(), row.Data(), static_cast<float>(shift));
  return Napi::Number::New(env, sum);
}

}  // namespace loom
