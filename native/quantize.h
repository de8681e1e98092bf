// llama_model_quantize for type conversion of saved models.
#pragma once

#include "common.h"

namespace loom {

// quantize(src, dst, type, metadata?) -> Promise<void>
// Rewrites the GGUF at `src` with its weights stored as `type`; `metadata` string keys override
// or add metadata entries in the output.
Napi::Value Quantize(const Napi::CallbackInfo& info);

}  // namespace loom
