#include "reference-loop.h"

#include <chrono>
#include <memory>
#include <random>

#include "context.h"
#include "reference/generation-loop.h"

namespace loom {

namespace {
struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};

// Marks the context busy for the loop and idle again however it ends, with no logits rows left
// behind: the loop's last output is not a row llama-loom's views know about.
class WorkScope {
 public:
  WorkScope(Napi::Env env, ContextWrap* cw) : cw_(cw) { cw_->BeginWork(env); }
  ~WorkScope() {
    cw_->ForgetOutputs();
    cw_->DecodeFinished();
  }
  WorkScope(const WorkScope&) = delete;
  WorkScope& operator=(const WorkScope&) = delete;

 private:
  ContextWrap* cw_;
};
}  // namespace

// What build/bin/loom-ref-tg does in its own process (reference/generation-loop.h, the same code),
// on this context and in this process: the cache cleared, `count` one-token decodes from BOS, the
// next token either random (llama-bench's tg loop) or llama.cpp's greedy sampler's pick after
// every decode (its own greedy generation). It runs on the calling thread, as an inline decode
// does, so the bench can pair it with llama-loom's generation on the very same context,
// threadpool and process. lastToken is the last greedy pick (-1 for the tg loop).
Napi::Value ReferenceLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextWrap* cw = UnwrapTagged<ContextWrap>(info[0], kContextTag, "context", "a NativeContext");
  llama_context* ctx = cw->Checked(env);
  const int count = static_cast<int>(ArgInteger(info[1], "count", 1, llama_n_ctx(ctx)));
  const bool greedy = ArgBool(info[2], "greedy");
  const llama_vocab* vocab = cw->Vocab();
  std::unique_ptr<llama_sampler, SamplerDeleter> sampler(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  llama_sampler_chain_add(sampler.get(), llama_sampler_init_greedy());
  std::mt19937 rng(42);
  const llama_token bos = llama_vocab_get_add_bos(vocab) ? llama_vocab_bos(vocab) : 0;

  WorkScope scope(env, cw);
  llama_token last = -1;
  const auto t0 = std::chrono::steady_clock::now();
  const int32_t rc = loom_ref::GenerationLoop(ctx, sampler.get(), rng, bos, count, greedy, &last);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  if (rc != 0) ThrowCoded(env, "DECODE_FAILED", "referenceLoop: llama_decode failed with status " + std::to_string(rc));
  Napi::Object out = Napi::Object::New(env);
  out.Set("nanoseconds", static_cast<double>(ns));
  out.Set("lastToken", last);
  return out;
}

}  // namespace loom
