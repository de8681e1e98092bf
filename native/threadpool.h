// Persistent ggml CPU threadpools per context. Without OpenMP, ggml would otherwise create and
// join a throw-away pool of worker threads for every decode; with OpenMP the pool only carries
// the thread count and ggml's OpenMP team does the work.
#pragma once

#include "common.h"

namespace loom {

// Creates pools of `threads` (and `batch_threads` for prompt batches) workers and attaches them
// to ctx, replacing (and freeing) pools attached before. Worker thread.
void AttachThreadpools(llama_context* ctx, int threads, int batch_threads);
// Frees ctx's pools; call after llama_free(ctx).
void ReleaseThreadpools(llama_context* ctx);

}  // namespace loom
