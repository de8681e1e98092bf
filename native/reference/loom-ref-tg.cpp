// Independent reference for the bench: llama-bench's tg test as a process that stays loaded, so a
// caller can alternate it with llama-loom's generation many times within the same seconds (this
// VM's speed drifts by up to 2x between turns tens of seconds apart; a fresh llama-bench process
// per pair is too coarse to settle a few per cent). Drives llama.cpp's C API only (no llama-loom
// code), with llama-bench's context settings and its explicit ggml threadpool.
//   loom-ref-tg <model> <threads> <n_ctx>
// Prints "ready" once loaded and warmed up. Then, for each stdin line "N" or "N greedy", it clears
// the KV cache, decodes N tokens one at a time from BOS and prints the elapsed nanoseconds. Each
// next token is random, as in llama-bench's tg test (which reads no logits), or with `greedy`
// llama.cpp's own greedy sampler's pick (`llama_sampler_init_greedy`, what its tools run for
// greedy decoding), and prints the elapsed nanoseconds and, with `greedy`, the last token picked
// (the N-th generated, as a generation of N new tokens after BOS would end). An empty line or end
// of input exits.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "generation-loop.h"
#include "ggml-cpu.h"
#include "llama.h"

static void quiet(ggml_log_level, const char*, void*) {}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <model> <threads> <n_ctx>\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  const int n_ctx = std::atoi(argv[3]);
  if (threads < 1 || n_ctx < 2) {
    std::fprintf(stderr, "threads must be >= 1 and n_ctx >= 2\n");
    return 2;
  }

  llama_log_set(quiet, nullptr);
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (!model) { std::fprintf(stderr, "load failed\n"); return 1; }
  // llama-bench's tg settings: context as long as the test, its default batch sizes.
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = n_ctx;
  cp.n_batch = 2048;
  cp.n_ubatch = 512;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) { std::fprintf(stderr, "context failed\n"); return 1; }
  ggml_threadpool_params tpp = ggml_threadpool_params_default(threads);
  tpp.poll = 50;
  ggml_threadpool* pool = ggml_threadpool_new(&tpp);
  if (!pool) { std::fprintf(stderr, "threadpool failed\n"); return 1; }
  llama_attach_threadpool(ctx, pool, nullptr);

  const llama_vocab* vocab = llama_model_get_vocab(model);
  const llama_token bos = llama_vocab_get_add_bos(vocab) ? llama_vocab_bos(vocab) : 0;
  std::mt19937 rng(42);

  llama_sampler* greedy_sampler = llama_sampler_chain_init(llama_sampler_chain_default_params());
  llama_sampler_chain_add(greedy_sampler, llama_sampler_init_greedy());

  llama_token last = -1;
  auto run = [&](int n, bool greedy) -> bool { return loom_ref::GenerationLoop(ctx, greedy_sampler, rng, bos, n, greedy, &last) == 0; };

  if (!run(1, false)) { std::fprintf(stderr, "decode failed\n"); return 1; }
  ggml_threadpool_pause(pool);
  std::printf("ready\n");
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin)) {
    const int n = std::atoi(line);
    if (n <= 0) break;
    const bool greedy = std::strstr(line, "greedy") != nullptr;
    if (n > n_ctx) { std::fprintf(stderr, "count %d exceeds n_ctx %d\n", n, n_ctx); return 1; }
    const auto t0 = std::chrono::steady_clock::now();
    if (!run(n, greedy)) { std::fprintf(stderr, "decode failed\n"); return 1; }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    // Park the workers now rather than let them poll for the next graph (up to ~0.3 s of a core):
    // the caller runs its own turn next, and llama-loom parks its pool the same way.
    ggml_threadpool_pause(pool);
    std::printf("%lld %d\n", static_cast<long long>(ns), last);
    std::fflush(stdout);
  }
  llama_sampler_free(greedy_sampler);
  llama_free(ctx);
  ggml_threadpool_free(pool);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
