#include "state.h"

#include <vector>

namespace loom {

namespace {

class StateWorker : public Napi::AsyncWorker {
 public:
  StateWorker(Napi::Env env, ContextWrap* owner, Napi::Object owner_obj, std::string path, std::vector<llama_token> tokens, bool save)
      : Napi::AsyncWorker(env, save ? "llama-loom:saveState" : "llama-loom:loadState"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        owner_ref_(Napi::Persistent(owner_obj)),
        path_(std::move(path)),
        tokens_(std::move(tokens)),
        save_(save) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    llama_context* ctx = owner_->Raw();
    if (save_) {
      if (!llama_state_save_file(ctx, path_.c_str(), tokens_.data(), tokens_.size())) SetError("could not save the state to " + path_);
      return;
    }
    tokens_.resize(llama_n_ctx(ctx));
    size_t n = 0;
    if (!llama_state_load_file(ctx, path_.c_str(), tokens_.data(), tokens_.size(), &n)) {
      SetError("could not load a state from " + path_ + " (missing, corrupt, or saved from another model/context size)");
      return;
    }
    tokens_.resize(n);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    owner_->ForgetOutputs();
    owner_->DecodeFinished();
    if (save_) {
      deferred_.Resolve(env.Undefined());
      return;
    }
    Napi::Int32Array arr = Napi::Int32Array::New(env, tokens_.size());
    std::copy(tokens_.begin(), tokens_.end(), arr.Data());
    deferred_.Resolve(arr);
  }
  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    owner_->ForgetOutputs();
    owner_->DecodeFinished();
    deferred_.Reject(CodedError(Env(), "STATE_FAILED", e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  ContextWrap* owner_;
  Napi::ObjectReference owner_ref_;
  std::string path_;
  std::vector<llama_token> tokens_;
  bool save_;
};

Napi::Value Start(const Napi::CallbackInfo& info, bool save) {
  Napi::Env env = info.Env();
  ContextWrap* cw = UnwrapTagged<ContextWrap>(info[0], kContextTag, "context", "a NativeContext");
  std::string path = ArgString(info[1], "path");
  std::vector<llama_token> tokens;
  if (save) {
    Napi::Int32Array t = ArgInt32Array(info[2], "tokens");
    tokens.assign(t.Data(), t.Data() + t.ElementLength());
  }
  cw->BeginWork(env);
  auto* worker = new StateWorker(env, cw, info[0].As<Napi::Object>(), path, std::move(tokens), save);
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

}  // namespace

Napi::Value SaveState(const Napi::CallbackInfo& info) { return Start(info, true); }
Napi::Value LoadState(const Napi::CallbackInfo& info) { return Start(info, false); }

}  // namespace loom
