// llama.cpp's own generation loop through its C API alone (no llama-loom code): the one the bench
// pairs llama-loom with, both in its own process (loom-ref-tg.cpp) and inside llama-loom's on
// llama-loom's context (../reference-loop.cpp), so the two references run the very same code.
#pragma once

#include <random>

#include "llama.h"

namespace loom_ref {

// Clears the cache and decodes `n` tokens one at a time from `bos`. The next token is random, as
// in llama-bench's tg test (which reads no logits, not even after the last decode), or with
// `greedy` the pick of `sampler` (a chain holding llama_sampler_init_greedy) after every decode.
// Returns 0, or the status of the llama_decode that failed; `*last` is the last pick (-1 for tg).
inline int32_t GenerationLoop(llama_context* ctx, llama_sampler* sampler, std::mt19937& rng, llama_token bos, int n, bool greedy, llama_token* last) {
  const uint32_t n_vocab = static_cast<uint32_t>(llama_vocab_n_tokens(llama_model_get_vocab(llama_get_model(ctx))));
  llama_memory_clear(llama_get_memory(ctx), false);
  llama_sampler_reset(sampler);
  llama_token token = bos;
  for (int i = 0; i < n; i++) {
    llama_batch batch = llama_batch_get_one(&token, 1);
    const int32_t rc = llama_decode(ctx, batch);
    if (rc != 0) return rc;
    if (i + 1 == n && !greedy) break;
    if (greedy) {
      token = llama_sampler_sample(sampler, ctx, -1);
    } else {
      llama_synchronize(ctx);
      token = static_cast<llama_token>(rng() % n_vocab);
    }
  }
  llama_synchronize(ctx);
  *last = greedy ? token : -1;
  return 0;
}

}  // namespace loom_ref
