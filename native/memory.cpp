#include "memory.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace loom {

namespace {
bool g_tuned = false;
}  // namespace

// Why: glibc raises its mmap threshold to the size of each mmapped block freed (up to 32 MiB) and
// its trim threshold to twice that. After the first context is disposed, the next one's
// scheduler and compute buffers (a few MiB to 32 MiB, on whichever libuv or decode thread makes
// them) come from that thread's arena instead of mmap, and freeing them leaves the pages resident
// at the top of the arena, where malloc_trim does not reach (it only trims the main arena's top).
// With a dozen arenas the process kept growing over load/dispose cycles (issue #8: +15 % RSS over
// 200 cycles, all of it "free" in malloc's own statistics). A fixed threshold also freezes the
// trim threshold at its default: blocks of 128 KiB and more are mmapped and unmapped on free, as
// glibc does before its first adjustment. Decoding allocates no such block per token, so the hot
// path is unchanged.
void ConfigureAllocator() {
#if defined(__GLIBC__)
  const char* opt_out = std::getenv("LLAMA_LOOM_MALLOC_TUNING");
  if (opt_out && (std::strcmp(opt_out, "0") == 0 || std::strcmp(opt_out, "false") == 0 || std::strcmp(opt_out, "off") == 0)) return;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && (std::strstr(tunables, "malloc.mmap_threshold") || std::strstr(tunables, "malloc.trim_threshold"))) return;
  g_tuned = mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1;
#endif
}

void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

Napi::Value MallocStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  Napi::Object o = Napi::Object::New(env);
  o.Set("inUse", static_cast<double>(mi.uordblks + mi.hblkhd));
  o.Set("free", static_cast<double>(mi.fordblks));
  o.Set("mmapped", static_cast<double>(mi.hblkhd));
  int arenas = 0;
  char* xml = nullptr;
  size_t len = 0;
  if (FILE* f = open_memstream(&xml, &len)) {
    malloc_info(0, f);
    std::fclose(f);
    for (const char* p = xml; p && (p = std::strstr(p, "<heap nr=")) != nullptr; p++) arenas++;
  }
  std::free(xml);
  o.Set("arenas", arenas);
  o.Set("tuned", g_tuned);
  return o;
#else
  return env.Null();
#endif
}

}  // namespace loom
