#include "model.h"

#include <sys/stat.h>

#include <atomic>
#include <vector>

namespace loom {

Napi::FunctionReference* ModelWrap::constructor_ = nullptr;

Napi::Function ModelWrap::Init(Napi::Env env) {
  Napi::Function fn = DefineClass(env, "NativeModel", {
      InstanceMethod<&ModelWrap::Info>("info"),
      InstanceMethod<&ModelWrap::Tokenize>("tokenize"),
      InstanceMethod<&ModelWrap::Detokenize>("detokenize"),
      InstanceMethod<&ModelWrap::TokenPiece>("tokenPiece"),
      InstanceMethod<&ModelWrap::TokenText>("tokenText"),
      InstanceMethod<&ModelWrap::TokenAttr>("tokenAttr"),
      InstanceMethod<&ModelWrap::EogTokens>("eogTokens"),
      InstanceMethod<&ModelWrap::Metadata>("metadata"),
      InstanceMethod<&ModelWrap::Save>("save"),
      InstanceMethod<&ModelWrap::Dispose>("dispose"),
      InstanceAccessor<&ModelWrap::IsDisposed>("disposed"),
  });
  constructor_ = new Napi::FunctionReference(Napi::Persistent(fn));
  return fn;
}

Napi::Object ModelWrap::NewInstance(Napi::Env env, llama_model* model) {
  return constructor_->New({Napi::External<llama_model>::New(env, model)});
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(env, "NativeModel cannot be constructed directly; use loadModel()");
  }
  model_ = ModelPtr(info[0].As<Napi::External<llama_model>>().Data(), ModelDeleter());
  vocab_ = llama_model_get_vocab(model_.get());
  n_vocab_ = llama_vocab_n_tokens(vocab_);
  TagObject(env, info.This().As<Napi::Object>(), kModelTag);
}

const ModelPtr& ModelWrap::Checked(Napi::Env env) const {
  if (!model_) ThrowCoded(env, "DISPOSED", "the model has been disposed");
  return model_;
}

llama_token ModelWrap::ArgToken(const Napi::Value& v, const char* name) const {
  return static_cast<llama_token>(ArgInteger(v, name, 0, n_vocab_ - 1));
}

namespace {

class LoadWorker : public Napi::AsyncProgressWorker<float> {
 public:
  LoadWorker(Napi::Env env, std::string path, llama_model_params params, std::shared_ptr<std::atomic<bool>> abort,
             Napi::Function on_progress)
      : Napi::AsyncProgressWorker<float>(env, "llama-loom:loadModel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        path_(std::move(path)),
        params_(params),
        abort_(std::move(abort)) {
    if (!on_progress.IsEmpty()) progress_fn_ = Napi::Persistent(on_progress);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    progress_ = &progress;
    params_.progress_callback = [](float p, void* ud) -> bool {
      auto* self = static_cast<LoadWorker*>(ud);
      if (!self->progress_fn_.IsEmpty()) self->progress_->Send(&p, 1);
      return !self->abort_->load();
    };
    params_.progress_callback_user_data = this;
    model_ = llama_model_load_from_file(path_.c_str(), params_);
    progress_ = nullptr;
    if (!model_) {
      aborted_ = abort_->load();
      SetError(aborted_ ? "loading " + path_ + " was aborted" : "llama.cpp could not load the model " + path_);
    }
  }

  void OnProgress(const float* data, size_t count) override {
    if (count == 0 || progress_fn_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    progress_fn_.Call({Napi::Number::New(Env(), data[count - 1])});
  }

  void OnOK() override {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(ModelWrap::NewInstance(Env(), model_));
  }

  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(CodedError(Env(), aborted_ ? "ABORTED" : "MODEL_LOAD_FAILED", e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string path_;
  llama_model_params params_;
  std::shared_ptr<std::atomic<bool>> abort_;
  Napi::FunctionReference progress_fn_;
  const ExecutionProgress* progress_ = nullptr;
  llama_model* model_ = nullptr;
  bool aborted_ = false;
};

}  // namespace

Napi::Value ModelWrap::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info[0], "path");
  Napi::Object opts = info.Length() > 1 && !info[1].IsUndefined() ? ArgObject(info[1], "options") : Napi::Object::New(env);

  struct stat st {};
  if (stat(path.c_str(), &st) != 0) ThrowCoded(env, "MODEL_LOAD_FAILED", "model file not found: " + path);
  if (!S_ISREG(st.st_mode)) ThrowCoded(env, "MODEL_LOAD_FAILED", "model path is not a regular file: " + path);

  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = static_cast<int32_t>(OptInteger(opts, "gpuLayers", params.n_gpu_layers, -1, 1 << 20));
  bool use_mmap = OptBool(opts, "useMmap", true);
  bool use_mlock = OptBool(opts, "useMlock", false);
  params.load_mode = use_mmap ? (use_mlock ? LLAMA_LOAD_MODE_MMAP_MLOCK : LLAMA_LOAD_MODE_MMAP)
                              : (use_mlock ? LLAMA_LOAD_MODE_MLOCK : LLAMA_LOAD_MODE_NONE);
  params.vocab_only = OptBool(opts, "vocabOnly", false);
  params.check_tensors = OptBool(opts, "checkTensors", false);
  params.use_extra_bufts = OptBool(opts, "repack", true);

  Napi::Function on_progress;
  Napi::Value p = opts.Get("onProgress");
  if (!p.IsUndefined()) {
    if (!p.IsFunction()) ThrowTypeError(env, "onProgress", "a function", p);
    on_progress = p.As<Napi::Function>();
  }

  auto abort = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new LoadWorker(env, path, params, abort, on_progress);
  Napi::Object result = Napi::Object::New(env);
  result.Set("promise", worker->Promise());
  result.Set("abort", Napi::Function::New(env, [abort](const Napi::CallbackInfo&) { abort->store(true); }));
  worker->Queue();
  return result;
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Napi::Env env = info.Env();
  llama_model* m = Checked(env).get();
  Napi::Object o = Napi::Object::New(env);
  char desc[256];
  llama_model_desc(m, desc, sizeof desc);
  o.Set("description", desc);
  o.Set("parameterCount", Napi::Number::New(env, static_cast<double>(llama_model_n_params(m))));
  o.Set("sizeBytes", Napi::Number::New(env, static_cast<double>(llama_model_size(m))));
  o.Set("trainContextSize", llama_model_n_ctx_train(m));
  o.Set("embeddingSize", llama_model_n_embd(m));
  o.Set("layerCount", llama_model_n_layer(m));
  // Per-layer queries abort inside llama.cpp when there are no layers (vocab-only loads).
  bool has_layers = llama_model_n_layer(m) > 0;
  o.Set("headCount", has_layers ? llama_model_n_head(m) : 0);
  o.Set("headCountKv", has_layers ? llama_model_n_head_kv(m) : 0);
  o.Set("vocabSize", n_vocab_);
  o.Set("vocabType", static_cast<int>(llama_vocab_type(vocab_)));
  o.Set("hasEncoder", llama_model_has_encoder(m));
  o.Set("hasDecoder", llama_model_has_decoder(m));
  o.Set("isRecurrent", llama_model_is_recurrent(m));
  o.Set("fileType", llama_ftype_name(llama_model_ftype(m)));
  const char* tmpl = llama_model_chat_template(m, nullptr);
  o.Set("chatTemplate", tmpl ? Napi::Value(Napi::String::New(env, tmpl)) : env.Null());
  Napi::Object sp = Napi::Object::New(env);
  auto put = [&](const char* k, llama_token t) { sp.Set(k, t == LLAMA_TOKEN_NULL ? env.Null() : Napi::Number::New(env, t)); };
  put("bos", llama_vocab_bos(vocab_));
  put("eos", llama_vocab_eos(vocab_));
  put("eot", llama_vocab_eot(vocab_));
  put("sep", llama_vocab_sep(vocab_));
  put("nl", llama_vocab_nl(vocab_));
  put("pad", llama_vocab_pad(vocab_));
  put("fimPre", llama_vocab_fim_pre(vocab_));
  put("fimSuf", llama_vocab_fim_suf(vocab_));
  put("fimMid", llama_vocab_fim_mid(vocab_));
  o.Set("specialTokens", sp);
  o.Set("addBos", llama_vocab_get_add_bos(vocab_));
  o.Set("addEos", llama_vocab_get_add_eos(vocab_));
  return o;
}

Napi::Value ModelWrap::Tokenize(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Napi::Env env = info.Env();
  Checked(env);
  // llama.cpp GGML_ASSERTs when a model without vocabulary (type NONE) tokenizes.
  if (llama_vocab_type(vocab_) == LLAMA_VOCAB_TYPE_NONE) ThrowCoded(env, "INTERNAL", "the model has no vocabulary: it cannot tokenize text");
  std::string text = ArgString(info[0], "text");
  bool add_special = ArgBool(info[1], "addSpecial");
  bool parse_special = ArgBool(info[2], "parseSpecial");
  if (text.size() > static_cast<size_t>(INT32_MAX) / 2) ThrowRangeError(env, "text", "shorter than 1 GiB", info[0]);
  int32_t cap = static_cast<int32_t>(text.size()) + 8;
  std::vector<llama_token> out(cap);
  int32_t n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), out.data(), cap, add_special, parse_special);
  if (n < 0) {
    if (n == INT32_MIN) ThrowCoded(env, "INTERNAL", "tokenization overflowed");
    out.resize(-n);
    n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), out.data(), -n, add_special, parse_special);
    if (n < 0) ThrowCoded(env, "INTERNAL", "tokenization failed");
  }
  Napi::Int32Array arr = Napi::Int32Array::New(env, n);
  std::copy(out.begin(), out.begin() + n, arr.Data());
  return arr;
}

Napi::Value ModelWrap::Detokenize(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Napi::Env env = info.Env();
  Checked(env);
  Napi::Int32Array tokens = ArgInt32Array(info[0], "tokens");
  bool remove_special = ArgBool(info[1], "removeSpecial");
  bool unparse_special = ArgBool(info[2], "unparseSpecial");
  const int32_t* t = tokens.Data();
  for (size_t i = 0; i < tokens.ElementLength(); i++) {
    if (t[i] < 0 || t[i] >= n_vocab_) {
      throw Napi::RangeError::New(env, "tokens[" + std::to_string(i) + "] must be a token id in [0, " +
                                           std::to_string(n_vocab_) + "); received " + std::to_string(t[i]));
    }
  }
  int32_t n_tokens = static_cast<int32_t>(tokens.ElementLength());
  std::string out(static_cast<size_t>(n_tokens) * 8 + 16, '\0');
  int32_t n = llama_detokenize(vocab_, t, n_tokens, out.data(), static_cast<int32_t>(out.size()), remove_special, unparse_special);
  if (n < 0) {
    out.resize(static_cast<size_t>(-n));
    n = llama_detokenize(vocab_, t, n_tokens, out.data(), -n, remove_special, unparse_special);
    if (n < 0) ThrowCoded(env, "INTERNAL", "detokenization failed");
  }
  out.resize(n);
  return Napi::String::New(env, out);
}

Napi::Value ModelWrap::TokenPiece(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Napi::Env env = info.Env();
  Checked(env);
  llama_token token = ArgToken(info[0], "token");
  bool special = ArgBool(info[1], "special");
  char buf[256];
  int32_t n = llama_token_to_piece(vocab_, token, buf, sizeof buf, 0, special);
  std::vector<char> big;
  const char* src = buf;
  if (n < 0) {
    big.resize(-n);
    n = llama_token_to_piece(vocab_, token, big.data(), -n, 0, special);
    src = big.data();
    if (n < 0) ThrowCoded(env, "INTERNAL", "token_to_piece failed");
  }
  Napi::Uint8Array arr = Napi::Uint8Array::New(env, n);
  std::copy(src, src + n, reinterpret_cast<char*>(arr.Data()));
  return arr;
}

Napi::Value ModelWrap::TokenText(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Checked(info.Env());
  const char* text = llama_vocab_get_text(vocab_, ArgToken(info[0], "token"));
  return Napi::String::New(info.Env(), text ? text : "");
}

Napi::Value ModelWrap::TokenAttr(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Checked(info.Env());
  return Napi::Number::New(info.Env(), static_cast<int>(llama_vocab_get_attr(vocab_, ArgToken(info[0], "token"))));
}

Napi::Value ModelWrap::EogTokens(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Checked(info.Env());
  std::vector<int32_t> eog;
  for (int32_t t = 0; t < n_vocab_; t++) {
    if (llama_vocab_is_eog(vocab_, t)) eog.push_back(t);
  }
  Napi::Int32Array arr = Napi::Int32Array::New(info.Env(), eog.size());
  std::copy(eog.begin(), eog.end(), arr.Data());
  return arr;
}

Napi::Value ModelWrap::Metadata(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Napi::Env env = info.Env();
  llama_model* m = Checked(env).get();
  Napi::Object o = Napi::Object::New(env);
  int32_t count = llama_model_meta_count(m);
  std::vector<char> key(512), val(4096);
  for (int32_t i = 0; i < count; i++) {
    if (llama_model_meta_key_by_index(m, i, key.data(), key.size()) < 0) continue;
    int32_t n = llama_model_meta_val_str_by_index(m, i, val.data(), val.size());
    if (n < 0) continue;
    if (static_cast<size_t>(n) >= val.size()) {
      val.resize(n + 1);
      llama_model_meta_val_str_by_index(m, i, val.data(), val.size());
    }
    o.Set(key.data(), Napi::String::New(env, val.data()));
  }
  return o;
}

Napi::Value ModelWrap::Save(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  Napi::Env env = info.Env();
  llama_model* m = Checked(env).get();
  std::string path = ArgString(info[0], "path");
  llama_model_save_to_file(m, path.c_str());
  return env.Undefined();
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  model_.reset();  // contexts hold their own reference: the weights go when the last one does
  return info.Env().Undefined();
}

Napi::Value ModelWrap::IsDisposed(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kModelTag, "NativeModel");
  return Napi::Boolean::New(info.Env(), !model_);
}

}  // namespace loom
