#include "log.h"

#include <atomic>
#include <cstdint>
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
// Which logger g_tsfn is: a finalizer of a replaced one must not disable its successor.
uint64_t g_generation = 0;
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
// Node closes the function at environment teardown, before addon finalizers have run (and
// llama.cpp may log while contexts are freed then): from then on, logging drops lines.
void LoggerFinalized(Napi::Env, uint64_t* generation, void*) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (*generation == g_generation) g_has_tsfn = false;
  delete generation;
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
    g_generation++;
    g_tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "llama-loom:log", 0, 1, static_cast<void*>(nullptr), LoggerFinalized,
                                           new uint64_t(g_generation));
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
