// ContextWrap: one llama_context (KV memory + output buffers) over a model.
// Decodes run on the context's decode thread (or, when very short, on the JS thread), one at a
// time; logits rows reach JS as views over llama.cpp's own output buffer (zero copy), detached
// before the next decode overwrites it.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "memory.h"
#include "model.h"
#include "threadpool.h"

namespace loom {

struct ContextDeleter {
  void operator()(llama_context* c) const {
    llama_free(c);
    ReleaseThreadpools(c);
    ReleaseFreedMemory();
  }
};
struct BatchDeleter {
  void operator()(llama_batch* b) const {
    llama_batch_free(*b);
    delete b;
  }
};

class ContextWrap : public Napi::ObjectWrap<ContextWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // createContext(model, options) -> Promise<NativeContext>
  static Napi::Value Create(const Napi::CallbackInfo& info);
  // Process-wide switch: always copy logits into JS-owned buffers (what Electron's memory cage forces).
  static Napi::Value SetForceCopy(const Napi::CallbackInfo& info);

  explicit ContextWrap(const Napi::CallbackInfo& info);
  ~ContextWrap() override;

  llama_context* Checked(Napi::Env env) const;
  // Throws BUSY while a decode runs; used by every call that touches the context.
  void CheckIdle(Napi::Env env) const;
  // Row index into the last decode's outputs (negative counts from the end) -> batch index.
  int32_t ResolveRow(const Napi::Value& v) const;
  const llama_vocab* Vocab() const { return vocab_; }
  int32_t BatchIndex(int32_t row) const { return output_rows_[row]; }

  // Called by the decode worker on the JS thread when it finishes.
  void DecodeFinished();
  // Marks the context busy for other off-thread work (state save/load); pair with DecodeFinished().
  void BeginWork(Napi::Env env) {
    CheckIdle(env);
    DetachViews();
    busy_.store(true);
  }
  llama_context* Raw() const { return ctx_.get(); }
  void ForgetOutputs() { output_rows_.clear(); }

 private:
  friend class DecodeWorker;
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value DecodeSync(const Napi::CallbackInfo& info);
  void PrepareBatch(const Napi::CallbackInfo& info);
  Napi::Value Logits(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value SeqRemove(const Napi::CallbackInfo& info);
  Napi::Value SeqCopy(const Napi::CallbackInfo& info);
  Napi::Value SeqKeep(const Napi::CallbackInfo& info);
  Napi::Value SeqShift(const Napi::CallbackInfo& info);
  Napi::Value SeqPosRange(const Napi::CallbackInfo& info);
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value SetThreads(const Napi::CallbackInfo& info);
  Napi::Value PauseThreads(const Napi::CallbackInfo& info);
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);
  Napi::Value IsBusy(const Napi::CallbackInfo& info);
  Napi::Value BytesCopied(const Napi::CallbackInfo& info);
  Napi::Value CopyMode(const Napi::CallbackInfo& info);

  void DetachViews();
  void StageViews(Napi::Env env);
  void FreeNative();
  llama_seq_id ArgSeq(const Napi::Value& v, const char* name) const;
  llama_pos ArgPos(const Napi::Value& v, const char* name) const;

  static bool force_copy_;

  ModelPtr model_;  // keeps the weights alive while this context exists
  Napi::ObjectReference model_ref_;
  std::unique_ptr<llama_context, ContextDeleter> ctx_;
  std::unique_ptr<llama_batch, BatchDeleter> batch_;
  const llama_vocab* vocab_ = nullptr;
  int32_t n_vocab_ = 0;
  uint32_t n_batch_ = 0;
  uint32_t n_seq_max_ = 0;
  uint32_t n_ctx_ = 0;

  std::atomic<bool> busy_{false};
  std::atomic<bool> abort_{false};
  bool dispose_pending_ = false;

  // Outputs of the last successful decode: batch indices whose logits exist, in order.
  std::vector<int32_t> output_rows_;
  std::vector<int32_t> next_rows_;  // PrepareBatch's scratch (see there)
  // Views handed out since the last decode (zero-copy: external buffers to detach).
  std::vector<Napi::Reference<Napi::ArrayBuffer>> views_;
  // One cached view per output row of the last decode, so repeated logits(row) calls are free.
  std::vector<Napi::Reference<Napi::Float32Array>> row_views_;
  // Views made before the decode began (StageViews), for rows expected at staged_base_ + row * n_vocab.
  std::vector<Napi::Reference<Napi::Float32Array>> staged_views_;
  const float* staged_base_ = nullptr;
  // Copy mode: reusable JS-owned rows, one per output position.
  std::vector<Napi::Reference<Napi::Float32Array>> copy_rows_;
  bool copy_mode_ = false;
  double bytes_copied_ = 0;
};

}  // namespace loom
