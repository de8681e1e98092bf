// Next-token training of a loaded model through llama.cpp's optimiser (llama_opt_*).
#pragma once

#include "common.h"

namespace loom {

// train(model, options) -> { promise: Promise<summary>, abort() }
// Runs on libuv's pool in a private llama_context; progress events reach options.onProgress.
Napi::Value Train(const Napi::CallbackInfo& info);

}  // namespace loom
