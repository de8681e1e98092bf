// One decode thread per context, and the registry that finds it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "context.h"
#include "thread-name.h"

namespace loom {

// True once exit() has begun: decodes stop early and their results are dropped.
bool ProcessExiting();

// Every decode of a context runs on that context's own thread, which hands the result straight
// back to the JS thread. (The libuv pool would run successive decodes on whichever of its threads
// is free; in OpenMP builds each calling thread gets its own team of spinning workers, and
// hopping between pool threads built several teams that spun against each other and doubled the
// per-token time of small models. The default build now runs ggml's threadpool, one per context
// (threadpool.cpp), and keeps this thread as the one place where a context's decodes run.)
struct DecodeJob {
  ContextWrap* owner;
  Napi::Promise::Deferred deferred;
  Napi::ObjectReference owner_ref;  // keeps the context object alive while the decode runs
  llama_context* ctx;
  const llama_batch* batch;
  int32_t rc = 0;
};

// The typed error for a failed llama_decode (rc != 0), or for a context disposed while it ran.
Napi::Error DecodeError(Napi::Env env, int32_t rc, bool disposed);

// Settles the job on the JS thread (context.cpp).
void DecodeDone(Napi::Env env, Napi::Function, std::nullptr_t*, DecodeJob* job);
using DecodeTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, DecodeJob, DecodeDone>;

class DecodeThread {
 public:
  explicit DecodeThread(Napi::Env env)
      : tsfn_closed_(std::make_shared<std::atomic<bool>>(false)),
        tsfn_(DecodeTsfn::New(env, "llama-loom:decode", 0, 1, nullptr, TsfnFinalized, new std::shared_ptr<std::atomic<bool>>(tsfn_closed_))) {
    tsfn_.Unref(env);  // only a decode in flight keeps the process alive
    thread_ = std::thread([this] { Loop(); });
  }
  ~DecodeThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Queues one decode (JS thread); DecodeDone runs on the JS thread when it is finished.
  void Post(Napi::Env env, DecodeJob* job) {
    tsfn_.Ref(env);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
    }
    wake_.notify_all();
  }
  void Idle(Napi::Env env) { tsfn_.Unref(env); }
  // When the environment shuts down, Node closes the function itself, possibly before the
  // contexts' finalizers run; releasing it then would touch freed memory.
  void Release() {
    if (!tsfn_closed_->load()) tsfn_.Release();
  }

 private:
  // Runs when Node closes the function (last release, or environment teardown); owns `closed`.
  static void TsfnFinalized(Napi::Env, std::shared_ptr<std::atomic<bool>>* closed, std::nullptr_t*) {
    (*closed)->store(true);
    delete closed;
  }

  void Loop() {
    NameThisThread("loom-decode");
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return job_ != nullptr || stop_; });
      if (stop_) return;
      DecodeJob* job = job_;
      job_ = nullptr;
      lock.unlock();
      job->rc = llama_decode(job->ctx, *job->batch);
      if (ProcessExiting()) return;  // nobody is left to settle it
      tsfn_.NonBlockingCall(job);
      lock.lock();
    }
  }

  std::shared_ptr<std::atomic<bool>> tsfn_closed_;
  DecodeTsfn tsfn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  DecodeJob* job_ = nullptr;
  std::thread thread_;
};


// The owner's thread, created on first use (JS thread).
DecodeThread* DecodeThreadFor(Napi::Env env, const void* owner);
DecodeThread* FindDecodeThread(const void* owner);
// Stops and joins the owner's decode thread (JS thread; it is idle: no decode is in flight).
void ReleaseDecodeThread(const void* owner);

}  // namespace loom
