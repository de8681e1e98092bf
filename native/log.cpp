#include "log.h"

#include <atomic>
#include <mutex>
#include <string>

namespace loom {

namespace {
struct LogLine {
  int level;
  std::string text;
};

std::mutex g_mutex;
Napi::ThreadSafeFunction g_tsfn;
bool g_has_tsfn = false;
std::atomic<int> g_min_level{GGML_LOG_LEVEL_ERROR + 1};  // above every level: silent

void OnLog(ggml_log_level level, const char* text, void*) {
  // CONT lines continue the previous record; pass them with the level they continue.
  static thread_local int last_level = GGML_LOG_LEVEL_INFO;
  int lvl = level == GGML_LOG_LEVEL_CONT ? last_level : static_cast<int>(level);
  last_level = lvl;
  if (lvl < g_min_level.load() || text == nullptr) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_has_tsfn) return;
  auto* line = new LogLine{lvl, text};
  napi_status st = g_tsfn.NonBlockingCall(line, [](Napi::Env env, Napi::Function fn, LogLine* l) {
    try {
      fn.Call({Napi::Number::New(env, l->level), Napi::String::New(env, l->text)});
    } catch (...) {
    }
    delete l;
  });
  if (st != napi_ok) delete line;
}
}  // namespace

void InstallLogHook(Napi::Env) { llama_log_set(OnLog, nullptr); }

Napi::Value SetLogger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int min_level = static_cast<int>(ArgInteger(info[1], "minLevel", 0, 10));
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_has_tsfn) {
    g_tsfn.Release();
    g_has_tsfn = false;
  }
  if (info[0].IsFunction()) {
    g_tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "llama-loom:log", 0, 1);
    g_tsfn.Unref(env);  // logging must never keep the process alive
    g_has_tsfn = true;
    g_min_level.store(min_level);
  } else if (info[0].IsNull() || info[0].IsUndefined()) {
    g_min_level.store(GGML_LOG_LEVEL_ERROR + 1);
  } else {
    ThrowTypeError(env, "logger", "a function or null", info[0]);
  }
  return env.Undefined();
}

}  // namespace loom
