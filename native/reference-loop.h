// llama.cpp's own generation loop, run on a llama-loom context (the bench's in-process reference).
#pragma once

#include "common.h"

namespace loom {

// referenceLoop(context, count, greedy) -> { nanoseconds, lastToken }
Napi::Value ReferenceLoop(const Napi::CallbackInfo& info);

}  // namespace loom
