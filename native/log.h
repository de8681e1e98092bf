// Routes llama.cpp/ggml log lines to a JS callback (silent by default).
#pragma once
#include "common.h"

namespace loom {
// setLogger(callback | null, minLevel): callback(level: number, text: string) on the JS thread.
Napi::Value SetLogger(const Napi::CallbackInfo& info);
void InstallLogHook(Napi::Env env);
}  // namespace loom
