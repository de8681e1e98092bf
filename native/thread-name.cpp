#include "thread-name.h"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#endif

namespace loom {

void NameThisThread(const char* name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
  pthread_setname_np(name);
#else
  (void)name;
#endif
}

std::string ThisThreadName() {
#if defined(__linux__) || defined(__APPLE__)
  char buf[64] = {0};
  if (pthread_getname_np(pthread_self(), buf, sizeof buf) == 0) return buf;
#endif
  return "";
}

}  // namespace loom
