// Persistent ggml CPU threadpools per context. Without OpenMP, ggml would otherwise create and
// join a throw-away pool of worker threads for every decode; with OpenMP the pool only carries
// the thread count and ggml's OpenMP team does the work.
#pragma once

#include "common.h"

namespace loom {

// Creates pools of `threads` (and `batch_threads` for prompt batches) workers and attaches them
// to ctx, replacing (and freeing) pools attached before. Worker thread.
void AttachThreadpools(llama_context* ctx, int threads, int batch_threads);
// Parks ctx's pool workers now. After a graph, ggml's workers spin-poll for the next one
// (poll 50: up to ~0.3 s of a busy core on x86 with its slow `pause`), which is what keeps
// back-to-back decodes fast; once a context goes idle that spinning only steals a core from every
// other context and process. The next decode resumes the pool. JS thread, no decode in flight.
void PauseThreadpools(llama_context* ctx);
// Frees ctx's pools; call after llama_free(ctx).
void ReleaseThreadpools(llama_context* ctx);

}  // namespace loom
