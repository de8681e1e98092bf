// llama.cpp's own llama-perplexity, unchanged (llama-perplexity-impl), plus one thing: its logger
// is flushed before exit. The tool's asynchronous logger is never flushed (llama.cpp issue 22142),
// so on a loaded machine it drops its last lines, "Final estimate" included.
#include "log.h"

int llama_perplexity(int argc, char** argv);

int main(int argc, char** argv) {
  int rc = llama_perplexity(argc, argv);
  common_log_flush(common_log_main());
  return rc;
}
