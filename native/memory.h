// The native heap between loads: glibc's malloc keeps what llama.cpp frees unless told otherwise.
#pragma once

#include <napi.h>

namespace loom {

// Once, at module load (glibc only): fixes malloc's mmap threshold at its documented default so
// the multi-MiB buffers a context or model allocates go back to the system when they are freed.
// Skipped when the process already chose (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, those
// keys in GLIBC_TUNABLES) or LLAMA_LOOM_MALLOC_TUNING=0.
void ConfigureAllocator();

// After a context or model is freed (glibc only): malloc_trim(0) returns the free pages of every
// malloc arena to the system.
void ReleaseFreedMemory();

// mallocStats() -> { inUse, free, mmapped, arenas, tuned } | null: the native heap as glibc's
// malloc sees it (the soak test's breakdown: a leak grows inUse, fragmentation grows free).
Napi::Value MallocStats(const Napi::CallbackInfo& info);

}  // namespace loom
