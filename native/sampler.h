// SamplerWrap: llama.cpp's native sampler chain, the speed baseline the TypeScript strategies are
// measured against (its edge-case semantics differ from transformers').
#pragma once

#include <memory>
#include <vector>

#include "context.h"

namespace loom {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};

class SamplerWrap : public Napi::ObjectWrap<SamplerWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // new NativeSampler({ greedy, topK, topP, minP, temperature, seed, minKeep })
  explicit SamplerWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Sample(const Napi::CallbackInfo& info);
  Napi::Value Apply(const Napi::CallbackInfo& info);
  Napi::Value Accept(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  llama_sampler* Checked(Napi::Env env) const;

  std::unique_ptr<llama_sampler, SamplerDeleter> chain_;
  std::vector<llama_token_data> candidates_;  // reused by apply(): no allocation per call
};

}  // namespace loom
