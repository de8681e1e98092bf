// Independent reference for the tests: drives llama.cpp's C API directly (no llama-loom code).
//   loom-ref-logits logits <model> <out.f32> <threads> <n_ctx> <tok>...   all-position logits of one batch
//   loom-ref-logits greedy <model> <n_new> <threads> <n_ctx> <tok>...    greedy continuation, ids on stdout
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "llama.h"

static void quiet(ggml_log_level, const char*, void*) {}

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s logits|greedy <model> <out|n_new> <threads> <n_ctx> <tok>...\n", argv[0]);
    return 2;
  }
  const bool greedy = std::strcmp(argv[1], "greedy") == 0;
  const int threads = std::atoi(argv[4]);
  const int n_ctx = std::atoi(argv[5]);
  std::vector<llama_token> prompt;
  for (int i = 6; i < argc; i++) prompt.push_back(std::atoi(argv[i]));

  llama_log_set(quiet, nullptr);
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(argv[2], mp);
  if (!model) { std::fprintf(stderr, "load failed\n"); return 1; }
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = n_ctx;
  cp.n_batch = n_ctx;
  cp.n_ubatch = n_ctx;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) { std::fprintf(stderr, "context failed\n"); return 1; }
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

  llama_batch batch = llama_batch_init(static_cast<int32_t>(prompt.size()), 0, 1);
  for (size_t i = 0; i < prompt.size(); i++) {
    batch.token[i] = prompt[i];
    batch.pos[i] = static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = greedy ? (i + 1 == prompt.size()) : 1;
  }
  batch.n_tokens = static_cast<int32_t>(prompt.size());
  if (llama_decode(ctx, batch) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }

  if (!greedy) {
    FILE* f = std::fopen(argv[3], "wb");
    for (size_t i = 0; i < prompt.size(); i++) std::fwrite(llama_get_logits_ith(ctx, static_cast<int32_t>(i)), sizeof(float), n_vocab, f);
    std::fclose(f);
  } else {
    const int n_new = std::atoi(argv[3]);
    llama_pos pos = static_cast<llama_pos>(prompt.size());
    for (int k = 0; k < n_new; k++) {
      const float* l = llama_get_logits_ith(ctx, -1);
      int best = 0;
      for (int t = 1; t < n_vocab; t++) if (l[t] > l[best]) best = t;
      std::printf(k ? " %d" : "%d", best);
      batch.token[0] = best;
      batch.pos[0] = pos++;
      batch.n_seq_id[0] = 1;
      batch.seq_id[0][0] = 0;
      batch.logits[0] = 1;
      batch.n_tokens = 1;
      if (llama_decode(ctx, batch) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }
    }
    std::printf("\n");
  }
  llama_batch_free(batch);
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
