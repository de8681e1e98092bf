#include "reference-loop.h"

#include <chrono>
#include <memory>
#include <random>

#include "context.h"

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

// What build/bin/loom-ref-tg does in its own process, on this context and in this process: the
// cache cleared, `count` one-token decodes from BOS through llama.cpp's C API alone, the next
// token either random (llama-bench's tg loop, which reads no logits) or picked by llama.cpp's
// greedy sampler after every decode (its own greedy generation). It runs on the calling thread,
// as an inline decode does, so the bench can pair it with llama-loom's generation on the very
// same context, threadpool and process. lastToken is the last greedy pick (-1 for the tg loop).
Napi::Value ReferenceLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextWrap* cw = UnwrapTagged<ContextWrap>(info[0], kContextTag, "context", "a NativeContext");
  llama_context* ctx = cw->Checked(env);
  const int count = static_cast<int>(ArgInteger(info[1], "count", 1, llama_n_ctx(ctx)));
  const bool greedy = ArgBool(info[2], "greedy");
  const llama_vocab* vocab = cw->Vocab();
  const int32_t n_vocab = llama_vocab_n_tokens(vocab);

  std::unique_ptr<llama_sampler, SamplerDeleter> sampler(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  llama_sampler_chain_add(sampler.get(), llama_sampler_init_greedy());
  std::mt19937 rng(42);
  llama_token token = llama_vocab_get_add_bos(vocab) ? llama_vocab_bos(vocab) : 0;

  WorkScope scope(env, cw);
  const auto t0 = std::chrono::steady_clock::now();
  llama_memory_clear(llama_get_memory(ctx), false);
  for (int i = 0; i < count; i++) {
    llama_batch batch = llama_batch_get_one(&token, 1);
    const int32_t rc = llama_decode(ctx, batch);
    if (rc != 0) ThrowCoded(env, "DECODE_FAILED", "referenceLoop: llama_decode failed with status " + std::to_string(rc));
    if (i + 1 == count && !greedy) break;
    if (greedy) {
      token = llama_sampler_sample(sampler.get(), ctx, -1);
    } else {
      llama_synchronize(ctx);
      token = static_cast<llama_token>(rng() % static_cast<uint32_t>(n_vocab));
    }
  }
  llama_synchronize(ctx);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  Napi::Object out = Napi::Object::New(env);
  out.Set("nanoseconds", static_cast<double>(ns));
  out.Set("lastToken", greedy ? token : -1);
  return out;
}

}  // namespace loom
