#include "decode-thread.h"

#include <unordered_map>

namespace loom {

namespace {
std::mutex g_decode_threads_mutex;
std::unordered_map<const void*, std::unique_ptr<DecodeThread>> g_decode_threads;

}  // namespace

DecodeThread* DecodeThreadFor(Napi::Env env, const void* owner) {
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
