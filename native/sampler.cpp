#include "sampler.h"

namespace loom {

Napi::Function SamplerWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativeSampler", {
      InstanceMethod<&SamplerWrap::Sample>("sample"),
      InstanceMethod<&SamplerWrap::Apply>("apply"),
      InstanceMethod<&SamplerWrap::Accept>("accept"),
      InstanceMethod<&SamplerWrap::Reset>("reset"),
      InstanceMethod<&SamplerWrap::Dispose>("dispose"),
  });
}

SamplerWrap::SamplerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SamplerWrap>(info) {
  Napi::Env env = info.Env();
  Napi::Object o = info.Length() > 0 && !info[0].IsUndefined() ? ArgObject(info[0], "options") : Napi::Object::New(env);
  llama_sampler_chain_params cp = llama_sampler_chain_default_params();
  cp.no_perf = true;
  chain_.reset(llama_sampler_chain_init(cp));
  size_t min_keep = static_cast<size_t>(OptInteger(o, "minKeep", 1, 1, 1 << 20));
  if (OptBool(o, "greedy", false)) {
    llama_sampler_chain_add(chain_.get(), llama_sampler_init_greedy());
  } else {
    int64_t top_k = OptInteger(o, "topK", 0, 0, 1 << 24);
    double top_p = OptNumber(o, "topP", 1.0);
    double min_p = OptNumber(o, "minP", 0.0);
    double temp = OptNumber(o, "temperature", 1.0);
    if (top_p <= 0 || top_p > 1) ThrowRangeError(env, "topP", "a number in (0, 1]", o.Get("topP"));
    if (min_p < 0 || min_p > 1) ThrowRangeError(env, "minP", "a number in [0, 1]", o.Get("minP"));
    if (temp < 0) ThrowRangeError(env, "temperature", "a number >= 0", o.Get("temperature"));
    uint32_t seed = static_cast<uint32_t>(OptInteger(o, "seed", LLAMA_DEFAULT_SEED, 0, UINT32_MAX));
    if (top_k > 0) llama_sampler_chain_add(chain_.get(), llama_sampler_init_top_k(static_cast<int32_t>(top_k)));
    if (top_p < 1) llama_sampler_chain_add(chain_.get(), llama_sampler_init_top_p(static_cast<float>(top_p), min_keep));
    if (min_p > 0) llama_sampler_chain_add(chain_.get(), llama_sampler_init_min_p(static_cast<float>(min_p), min_keep));
    llama_sampler_chain_add(chain_.get(), llama_sampler_init_temp(static_cast<float>(temp)));
    llama_sampler_chain_add(chain_.get(), llama_sampler_init_dist(seed));
  }
  TagObject(env, info.This().As<Napi::Object>(), kSamplerTag);
}

llama_sampler* SamplerWrap::Checked(Napi::Env env) const {
  if (!chain_) ThrowCoded(env, "DISPOSED", "the sampler has been disposed");
  return chain_.get();
}

// sample(context, row) -> token: the whole chain on the row-th output of the context's last decode.
Napi::Value SamplerWrap::Sample(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kSamplerTag, "NativeSampler");
  Napi::Env env = info.Env();
  llama_sampler* chain = Checked(env);
  ContextWrap* cw = UnwrapTagged<ContextWrap>(info[0], kContextTag, "context", "a NativeContext");
  llama_context* ctx = cw->Checked(env);
  cw->CheckIdle(env);
  // llama_sampler_sample takes the batch index of an output, not its ordinal.
  llama_token t = llama_sampler_sample(chain, ctx, cw->BatchIndex(cw->ResolveRow(info[1])));
  return Napi::Number::New(env, t);
}

// apply(logits: Float32Array) -> token: the chain on arbitrary logits (benchmarks on synthetic rows).
Napi::Value SamplerWrap::Apply(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kSamplerTag, "NativeSampler");
  Napi::Env env = info.Env();
  llama_sampler* chain = Checked(env);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    ThrowTypeError(env, "logits", "a Float32Array", info[0]);
  }
  Napi::Float32Array logits = info[0].As<Napi::Float32Array>();
  size_t n = logits.ElementLength();
  if (n == 0) ThrowRangeError(env, "logits", "a non-empty Float32Array", info[0]);
  candidates_.resize(n);
  const float* l = logits.Data();
  for (size_t i = 0; i < n; i++) candidates_[i] = {static_cast<llama_token>(i), l[i], 0.0f};
  llama_token_data_array arr = {candidates_.data(), n, -1, false};
  llama_sampler_apply(chain, &arr);
  if (arr.selected < 0 || static_cast<size_t>(arr.selected) >= arr.size) ThrowCoded(env, "INTERNAL", "the sampler chain selected no token");
  llama_token t = arr.data[arr.selected].id;
  llama_sampler_accept(chain, t);
  return Napi::Number::New(env, t);
}

Napi::Value SamplerWrap::Accept(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kSamplerTag, "NativeSampler");
  llama_sampler_accept(Checked(info.Env()), static_cast<llama_token>(ArgInteger(info[0], "token", 0, INT32_MAX)));
  return info.Env().Undefined();
}

Napi::Value SamplerWrap::Reset(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kSamplerTag, "NativeSampler");
  llama_sampler_reset(Checked(info.Env()));
  return info.Env().Undefined();
}

Napi::Value SamplerWrap::Dispose(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kSamplerTag, "NativeSampler");
  chain_.reset();
  return info.Env().Undefined();
}

}  // namespace loom
