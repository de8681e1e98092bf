// Saving and restoring a context's KV state (prompt caching), off the JS thread.
#pragma once
#include "context.h"

namespace loom {
// saveState(context, path, tokens: Int32Array) -> Promise<void>
Napi::Value SaveState(const Napi::CallbackInfo& info);
// loadState(context, path) -> Promise<Int32Array> (the tokens stored with the state)
Napi::Value LoadState(const Napi::CallbackInfo& info);
}  // namespace loom
