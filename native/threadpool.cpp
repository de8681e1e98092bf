#include "threadpool.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "ggml-cpu.h"
#include "thread-name.h"

namespace loom {

namespace {
struct Pools {
  ggml_threadpool_t gen = nullptr;
  ggml_threadpool_t batch = nullptr;
};
std::mutex g_mutex;
std::unordered_map<const llama_context*, Pools> g_pools;

ggml_threadpool_t NewPool(int threads) {
  ggml_threadpool_params p = ggml_threadpool_params_default(threads);
  // How long idle workers poll for the next graph before they park (0-100, ggml's default 50).
  if (const char* v = std::getenv("LLAMA_LOOM_THREADPOOL_POLL")) p.poll = static_cast<uint32_t>(std::min(100, std::max(0, std::atoi(v))));
  p.paused = true;  // workers park until the first decode instead of spinning from birth
  // On Linux threads inherit their creator's name: naming this thread while ggml creates its
  // workers makes them show up as loom-ggml in top, perf and /proc (tests measure their CPU time).
  const std::string creator = ThisThreadName();
  NameThisThread("loom-ggml");
  ggml_threadpool_t pool = ggml_threadpool_new(&p);
  NameThisThread(creator.c_str());
  return pool;
}

void FreePools(Pools& p) {
  if (p.batch != nullptr && p.batch != p.gen) ggml_threadpool_free(p.batch);
  if (p.gen != nullptr) ggml_threadpool_free(p.gen);
  p = Pools{};
}
}  // namespace

void AttachThreadpools(llama_context* ctx, int threads, int batch_threads) {
  Pools fresh;
  fresh.gen = NewPool(threads);
  fresh.batch = batch_threads == threads ? fresh.gen : NewPool(batch_threads);
  if (fresh.gen == nullptr || fresh.batch == nullptr) {
    FreePools(fresh);  // ggml falls back to a pool per decode
    return;
  }
  llama_attach_threadpool(ctx, fresh.gen, fresh.batch);
  std::lock_guard<std::mutex> lock(g_mutex);
  Pools& slot = g_pools[ctx];
  FreePools(slot);
  slot = fresh;
}

void PauseThreadpools(llama_context* ctx) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_pools.find(ctx);
  if (it == g_pools.end()) return;
  if (it->second.gen != nullptr) ggml_threadpool_pause(it->second.gen);
  if (it->second.batch != nullptr && it->second.batch != it->second.gen) ggml_threadpool_pause(it->second.batch);
}

void ReleaseThreadpools(llama_context* ctx) {
  Pools old;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_pools.find(ctx);
    if (it == g_pools.end()) return;
    old = it->second;
    g_pools.erase(it);
  }
  FreePools(old);
}

}  // namespace loom
