#include "decode-thread.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>

namespace loom {

namespace {
std::mutex g_decode_threads_mutex;
std::unordered_map<const void*, std::unique_ptr<DecodeThread>> g_decode_threads;
std::atomic<bool> g_exiting{false};

// process.exit() runs C++ static destructors while a decode may still run on one of these
// threads, and ggml's own statics (its CPU buffer types) are destroyed before this map, which was
// made earlier: a decode in flight then read freed memory (SIGSEGV, or a GGML_ABORT). Registered
// after ggml's statics exist, this runs before they are destroyed: it stops the decodes through
// the abort callback and joins the threads.
void StopDecodeThreadsAtExit() {
  g_exiting.store(true);
  std::unordered_map<const void*, std::unique_ptr<DecodeThread>> threads;
  {
    std::lock_guard<std::mutex> lock(g_decode_threads_mutex);
    threads.swap(g_decode_threads);
  }
  threads.clear();  // each destructor joins its thread
}
}  // namespace

// The typed error for a failed llama_decode (rc != 0), or for a context disposed while it ran.
Napi::Error DecodeError(Napi::Env env, int32_t rc, bool disposed) {
  const char* code = "DECODE_FAILED";
  std::string msg = "llama_decode failed with status " + std::to_string(rc);
  if (disposed || rc == 2) {
    code = disposed ? "DISPOSED" : "ABORTED";
    msg = disposed ? "the context was disposed during the decode" : "the decode was aborted";
  } else if (rc == 1) {
    code = "NO_KV_SLOT";
    msg = "no KV cache slot for the batch: the context is full (free sequences or use a larger contextSize)";
  } else if (rc == -1) {
    code = "INVALID_BATCH";
    msg = "llama.cpp rejected the batch (invalid token, position or sequence id)";
  }
  return CodedError(env, code, msg);
}

bool ProcessExiting() { return g_exiting.load(std::memory_order_relaxed); }

DecodeThread* DecodeThreadFor(Napi::Env env, const void* owner) {
  static std::once_flag at_exit;
  std::call_once(at_exit, [] { std::atexit(StopDecodeThreadsAtExit); });
  std::lock_guard<std::mutex> lock(g_decode_threads_mutex);
  std::unique_ptr<DecodeThread>& t = g_decode_threads[owner];
  if (!t) t.reset(new DecodeThread(env));
  return t.get();
}

DecodeThread* FindDecodeThread(const void* owner) {
  std::lock_guard<std::mutex> lock(g_decode_threads_mutex);
  auto it = g_decode_threads.find(owner);
  return it == g_decode_threads.end() ? nullptr : it->second.get();
}

void ReleaseDecodeThread(const void* owner) {
  std::unique_ptr<DecodeThread> t;
  {
    std::lock_guard<std::mutex> lock(g_decode_threads_mutex);
    auto it = g_decode_threads.find(owner);
    if (it == g_decode_threads.end()) return;
    t = std::move(it->second);
    g_decode_threads.erase(it);
  }
  t->Release();
}

}  // namespace loom
