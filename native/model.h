// ModelWrap: one llama_model (weights + vocabulary). Loaded off the JS thread by loadModel().
#pragma once

#include <memory>
#include <mutex>

#include "common.h"
#include "memory.h"

namespace loom {

struct ModelDeleter {
  void operator()(llama_model* m) const {
    llama_model_free(m);
    ReleaseFreedMemory();
  }
};
// Shared so a context keeps the weights alive even if the JS model is disposed first.
using ModelPtr = std::shared_ptr<llama_model>;

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, llama_model* model);
  // loadModel(path, { gpuLayers, useMmap, useMlock, vocabOnly, checkTensors, onProgress }) -> { promise, abort }
  static Napi::Value Load(const Napi::CallbackInfo& info);

  explicit ModelWrap(const Napi::CallbackInfo& info);

  // Throws DISPOSED when the model was disposed.
  const ModelPtr& Checked(Napi::Env env) const;
  const llama_vocab* Vocab() const { return vocab_; }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Tokenize(const Napi::CallbackInfo& info);
  Napi::Value Detokenize(const Napi::CallbackInfo& info);
  Napi::Value TokenPiece(const Napi::CallbackInfo& info);
  Napi::Value TokenText(const Napi::CallbackInfo& info);
  Napi::Value TokenAttr(const Napi::CallbackInfo& info);
  Napi::Value EogTokens(const Napi::CallbackInfo& info);
  Napi::Value Metadata(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);

  llama_token ArgToken(const Napi::Value& v, const char* name) const;

  static Napi::FunctionReference* constructor_;
  ModelPtr model_;
  const llama_vocab* vocab_ = nullptr;
  int32_t n_vocab_ = 0;
};

}  // namespace loom
