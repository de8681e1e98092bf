// Thread names, so top -H, perf and debuggers tell llama-loom's threads apart.
#pragma once

#include <string>

namespace loom {

// Names the calling thread (at most 15 characters; a no-op where unsupported).
void NameThisThread(const char* name);
// The calling thread's name ("" where unsupported).
std::string ThisThreadName();

}  // namespace loom
