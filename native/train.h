// Training and file conversion: next-token training of a loaded model through llama.cpp's
// optimiser (llama_opt_*), and llama_model_quantize for type conversion of saved models.
#pragma once

#include "common.h"

namespace loom {

// train(model, options) -> { promise: Promise<summary>, abort() }
// Runs on libuv's pool in a private llama_context; progress events reach options.onProgress.
Napi::Value Train(const Napi::CallbackInfo& info);

// quantize(src, dst, type, metadata?) -> Promise<void>
// Rewrites the GGUF at `src` with its weights stored as `type`; `metadata` string keys override
// or add metadata entries in the output.
Napi::Value Quantize(const Napi::CallbackInfo& info);

}  // namespace loom
