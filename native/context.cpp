#include "context.h"

#include <cstring>

#include "decode-thread.h"

namespace loom {

bool ContextWrap::force_copy_ = false;

namespace {
Napi::FunctionReference* g_context_ctor = nullptr;

// Checked by llama.cpp between graph nodes: lets dispose() and abort() stop a decode promptly.
// Also stops it when the process exits with decodes in flight (decode-thread.cpp).
bool AbortCallback(void* data) { return static_cast<std::atomic<bool>*>(data)->load() || ProcessExiting(); }

struct CreateBaton {
  ModelPtr model;
  llama_context_params params{};
  llama_context* ctx = nullptr;
};

class CreateWorker : public Napi::AsyncWorker {
 public:
  CreateWorker(Napi::Env env, Napi::Object model_obj, CreateBaton baton)
      : Napi::AsyncWorker(env, "llama-loom:createContext"),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_ref_(Napi::Persistent(model_obj)),
        baton_(std::move(baton)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    baton_.ctx = llama_init_from_model(baton_.model.get(), baton_.params);
    if (baton_.ctx != nullptr) AttachThreadpools(baton_.ctx, baton_.params.n_threads, baton_.params.n_threads_batch);
    if (!baton_.ctx) SetError("llama.cpp could not create the context (out of memory, or contextSize/batchSize too large for this model)");
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      Napi::Object obj = g_context_ctor->New({model_ref_.Value(), Napi::External<llama_context>::New(env, baton_.ctx)});
      deferred_.Resolve(obj);
    } catch (const Napi::Error& e) {
      llama_free(baton_.ctx);
      ReleaseThreadpools(baton_.ctx);
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(CodedError(Env(), "CONTEXT_CREATE_FAILED", e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference model_ref_;
  CreateBaton baton_;
};
}  // namespace

// Settles a decode's promise on the JS thread (a friend of ContextWrap).
class DecodeWorker {
 public:
  static void Done(Napi::Env env, DecodeJob* job) {
    std::unique_ptr<DecodeJob> owned(job);
    if (env == nullptr) return;  // the environment is shutting down
    Napi::HandleScope scope(env);
    ContextWrap* owner = job->owner;
    int32_t rc = job->rc;
    if (DecodeThread* t = FindDecodeThread(owner)) t->Idle(env);
    bool disposed = owner->dispose_pending_;
    if (rc != 0) owner->output_rows_.clear();
    owner->DecodeFinished();
    if (rc == 0 && !disposed) {
      job->deferred.Resolve(env.Undefined());
      return;
    }
    job->deferred.Reject(DecodeError(env, rc, disposed).Value());
  }

  static Napi::Promise Start(Napi::Env env, ContextWrap* owner, Napi::Object owner_obj) {
    auto* job = new DecodeJob{owner, Napi::Promise::Deferred::New(env), Napi::Persistent(owner_obj), owner->ctx_.get(), owner->batch_.get()};
    Napi::Promise promise = job->deferred.Promise();
    DecodeThreadFor(env, owner)->Post(env, job);
    return promise;
  }
};

void DecodeDone(Napi::Env env, Napi::Function, std::nullptr_t*, DecodeJob* job) { DecodeWorker::Done(env, job); }

Napi::Function ContextWrap::Init(Napi::Env env) {
  Napi::Function fn = DefineClass(env, "NativeContext", {
      InstanceMethod<&ContextWrap::Decode>("decode"),
      InstanceMethod<&ContextWrap::DecodeSync>("decodeSync"),
      InstanceMethod<&ContextWrap::PauseThreads>("pauseThreads"),
      InstanceMethod<&ContextWrap::Logits>("logits"),
      InstanceMethod<&ContextWrap::Info>("info"),
      InstanceMethod<&ContextWrap::SeqRemove>("seqRemove"),
      InstanceMethod<&ContextWrap::SeqCopy>("seqCopy"),
      InstanceMethod<&ContextWrap::SeqKeep>("seqKeep"),
      InstanceMethod<&ContextWrap::SeqShift>("seqShift"),
      InstanceMethod<&ContextWrap::SeqPosRange>("seqPosRange"),
      InstanceMethod<&ContextWrap::Clear>("clear"),
      InstanceMethod<&ContextWrap::SetThreads>("setThreads"),
      InstanceMethod<&ContextWrap::Abort>("abort"),
      InstanceMethod<&ContextWrap::Dispose>("dispose"),
      InstanceAccessor<&ContextWrap::IsDisposed>("disposed"),
      InstanceAccessor<&ContextWrap::IsBusy>("busy"),
      InstanceAccessor<&ContextWrap::BytesCopied>("logitsBytesCopied"),
      InstanceAccessor<&ContextWrap::CopyMode>("copyMode"),
  });
  g_context_ctor = new Napi::FunctionReference(Napi::Persistent(fn));
  return fn;
}

Napi::Value ContextWrap::SetForceCopy(const Napi::CallbackInfo& info) {
  force_copy_ = ArgBool(info[0], "forceCopy");
  return info.Env().Undefined();
}

Napi::Value ContextWrap::Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModelWrap* mw = UnwrapTagged<ModelWrap>(info[0], kModelTag, "model", "a NativeModel");
  const ModelPtr& model = mw->Checked(env);
  Napi::Object opts = info.Length() > 1 && !info[1].IsUndefined() ? ArgObject(info[1], "options") : Napi::Object::New(env);

  CreateBaton baton;
  baton.model = model;
  llama_context_params p = llama_context_default_params();
  int32_t n_train = llama_model_n_ctx_train(model.get());
  p.n_ctx = static_cast<uint32_t>(OptInteger(opts, "contextSize", n_train > 0 ? std::min(n_train, 4096) : 512, 1, 1 << 24));
  p.n_batch = static_cast<uint32_t>(OptInteger(opts, "batchSize", std::min<uint32_t>(p.n_ctx, 512), 1, 1 << 24));
  p.n_ubatch = static_cast<uint32_t>(OptInteger(opts, "microBatchSize", std::min<uint32_t>(p.n_batch, 512), 1, 1 << 24));
  if (p.n_ubatch > p.n_batch) p.n_ubatch = p.n_batch;
  p.n_seq_max = static_cast<uint32_t>(OptInteger(opts, "sequences", 1, 1, static_cast<int64_t>(llama_max_parallel_sequences())));
  int threads = static_cast<int>(OptInteger(opts, "threads", DefaultThreads(), 1, 1024));
  p.n_threads = threads;
  p.n_threads_batch = static_cast<int>(OptInteger(opts, "batchThreads", threads, 1, 1024));
  // Unified KV lets a sequence copy share cells instead of copying tensors: beams fork for free.
  p.kv_unified = OptBool(opts, "unifiedKv", true);
  Napi::Value fa = opts.Get("flashAttention");
  if (fa.IsBoolean()) p.flash_attn_type = fa.As<Napi::Boolean>().Value() ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  else if (!fa.IsUndefined()) ThrowTypeError(env, "flashAttention", "a boolean", fa);
  p.embeddings = OptBool(opts, "embeddings", false);
  p.no_perf = true;
  baton.params = p;

  auto* worker = new CreateWorker(env, info[0].As<Napi::Object>(), std::move(baton));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

ContextWrap::ContextWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ContextWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !HasTag(env, info[0], kModelTag) || !info[1].IsExternal()) {
    throw Napi::TypeError::New(env, "NativeContext cannot be constructed directly; use createContext()");
  }
  ModelWrap* mw = Napi::ObjectWrap<ModelWrap>::Unwrap(info[0].As<Napi::Object>());
  ctx_.reset(info[1].As<Napi::External<llama_context>>().Data());
  model_ = mw->Checked(env);
  model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
  vocab_ = mw->Vocab();
  n_vocab_ = llama_vocab_n_tokens(vocab_);
  n_batch_ = llama_n_batch(ctx_.get());
  n_seq_max_ = llama_n_seq_max(ctx_.get());
  n_ctx_ = llama_n_ctx(ctx_.get());
  batch_.reset(new llama_batch(llama_batch_init(static_cast<int32_t>(n_batch_), 0, 1)));
  llama_set_abort_callback(ctx_.get(), AbortCallback, &abort_);
  copy_mode_ = force_copy_;
  TagObject(env, info.This().As<Napi::Object>(), kContextTag);
}

ContextWrap::~ContextWrap() { FreeNative(); }

void ContextWrap::FreeNative() {
  ReleaseDecodeThread(this);
  batch_.reset();
  ctx_.reset();
  model_.reset();
}

llama_context* ContextWrap::Checked(Napi::Env env) const {
  if (!ctx_ || dispose_pending_) ThrowCoded(env, "DISPOSED", "the context has been disposed");
  return ctx_.get();
}

void ContextWrap::CheckIdle(Napi::Env env) const {
  Checked(env);
  if (busy_.load()) ThrowCoded(env, "BUSY", "a decode is already running on this context; await it first");
}

llama_seq_id ContextWrap::ArgSeq(const Napi::Value& v, const char* name) const {
  return static_cast<llama_seq_id>(ArgInteger(v, name, 0, static_cast<int64_t>(n_seq_max_) - 1));
}

llama_pos ContextWrap::ArgPos(const Napi::Value& v, const char* name) const {
  return static_cast<llama_pos>(ArgInteger(v, name, -1, INT32_MAX));
}

void ContextWrap::DecodeFinished() {
  busy_.store(false);
  abort_.store(false);
  if (dispose_pending_) FreeNative();
}

// decode(tokens: Int32Array, positions: Int32Array, seqIds: Int32Array, outputs: Uint8Array) -> Promise<void>
Napi::Value ContextWrap::Decode(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  PrepareBatch(info);
  busy_.store(true);
  return DecodeWorker::Start(env, this, info.This().As<Napi::Object>());
}

// decodeSync(tokens, positions, seqIds, outputs) -> undefined; throws the same coded errors.
// Runs on the JS thread: for decodes so short that the two thread handoffs of decode() would cost
// more than the event loop loses by waiting (the caller decides; see lib/decode-scheduler.ts).
Napi::Value ContextWrap::DecodeSync(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  PrepareBatch(info);
  int32_t rc = llama_decode(ctx_.get(), *batch_);
  if (rc != 0) {
    output_rows_.clear();
    throw DecodeError(env, rc, false);
  }
  return env.Undefined();
}

// Checks the four batch arrays, fills the llama_batch and records which rows will have logits.
void ContextWrap::PrepareBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env);
  Napi::Int32Array tokens = ArgInt32Array(info[0], "tokens");
  Napi::Int32Array pos = ArgInt32Array(info[1], "positions");
  Napi::Int32Array seq = ArgInt32Array(info[2], "seqIds");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, "outputs", "a Uint8Array", info[3]);
  }
  Napi::Uint8Array outputs = info[3].As<Napi::Uint8Array>();
  size_t n = tokens.ElementLength();
  if (n == 0) ThrowCoded(env, "INVALID_BATCH", "the batch is empty");
  if (n > n_batch_) {
    ThrowCoded(env, "INVALID_BATCH", "the batch has " + std::to_string(n) + " tokens but batchSize is " + std::to_string(n_batch_));
  }
  if (pos.ElementLength() != n || seq.ElementLength() != n || outputs.ElementLength() != n) {
    ThrowCoded(env, "INVALID_BATCH", "tokens, positions, seqIds and outputs must have the same length");
  }
  const int32_t* t = tokens.Data();
  const int32_t* p = pos.Data();
  const int32_t* s = seq.Data();
  const uint8_t* o = outputs.Data();
  llama_batch& b = *batch_;
  // Filled aside and swapped in only once the whole batch is valid: a rejected batch leaves the
  // last decode's rows (and logits) readable. Both vectors keep their capacity: no allocation per token.
  std::vector<int32_t>& rows = next_rows_;
  rows.clear();
  for (size_t i = 0; i < n; i++) {
    if (t[i] < 0 || t[i] >= n_vocab_) {
      ThrowCoded(env, "INVALID_BATCH", "token " + std::to_string(t[i]) + " at batch index " + std::to_string(i) +
                                           " is outside the vocabulary [0, " + std::to_string(n_vocab_) + ")");
    }
    if (s[i] < 0 || static_cast<uint32_t>(s[i]) >= n_seq_max_) {
      ThrowCoded(env, "INVALID_BATCH", "sequence id " + std::to_string(s[i]) + " at batch index " + std::to_string(i) +
                                           " is outside [0, " + std::to_string(n_seq_max_) + ")");
    }
    if (p[i] < 0 || static_cast<uint32_t>(p[i]) >= n_ctx_) {
      ThrowCoded(env, "CONTEXT_OVERFLOW", "position " + std::to_string(p[i]) + " at batch index " + std::to_string(i) +
                                              " does not fit the context of " + std::to_string(n_ctx_) + " tokens");
    }
    b.token[i] = t[i];
    b.pos[i] = p[i];
    b.n_seq_id[i] = 1;
    b.seq_id[i][0] = s[i];
    b.logits[i] = o[i] ? 1 : 0;
    if (o[i]) rows.push_back(static_cast<int32_t>(i));
  }
  b.n_tokens = static_cast<int32_t>(n);

  DetachViews();  // llama.cpp overwrites (or reallocates) the output buffer during this decode
  output_rows_.swap(rows);
  StageViews(env);
}

Napi::Value ContextWrap::Info(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  llama_context* ctx = Checked(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("contextSize", n_ctx_);
  o.Set("batchSize", n_batch_);
  o.Set("microBatchSize", llama_n_ubatch(ctx));
  o.Set("sequences", n_seq_max_);
  o.Set("vocabSize", n_vocab_);
  o.Set("threads", llama_n_threads(ctx));
  o.Set("batchThreads", llama_n_threads_batch(ctx));
  o.Set("copyMode", copy_mode_);
  return o;
}

Napi::Value ContextWrap::SeqRemove(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  llama_seq_id s = info[0].IsNumber() && info[0].As<Napi::Number>().Int32Value() == -1 ? -1 : ArgSeq(info[0], "seqId");
  bool ok = llama_memory_seq_rm(llama_get_memory(ctx_.get()), s, ArgPos(info[1], "p0"), ArgPos(info[2], "p1"));
  return Napi::Boolean::New(env, ok);
}

Napi::Value ContextWrap::SeqCopy(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  llama_seq_id src = ArgSeq(info[0], "srcSeqId");
  llama_seq_id dst = ArgSeq(info[1], "dstSeqId");
  llama_memory_seq_cp(llama_get_memory(ctx_.get()), src, dst, ArgPos(info[2], "p0"), ArgPos(info[3], "p1"));
  return env.Undefined();
}

Napi::Value ContextWrap::SeqKeep(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  llama_memory_seq_keep(llama_get_memory(ctx_.get()), ArgSeq(info[0], "seqId"));
  return env.Undefined();
}

Napi::Value ContextWrap::SeqShift(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  llama_memory_t mem = llama_get_memory(ctx_.get());
  if (!llama_memory_can_shift(mem)) ThrowCoded(env, "INTERNAL", "this model's memory cannot shift positions");
  llama_seq_id s = ArgSeq(info[0], "seqId");
  llama_pos p0 = ArgPos(info[1], "p0"), p1 = ArgPos(info[2], "p1");
  llama_pos delta = static_cast<llama_pos>(ArgInteger(info[3], "delta", INT32_MIN / 2, INT32_MAX / 2));
  llama_memory_seq_add(mem, s, p0, p1, delta);
  return env.Undefined();
}

Napi::Value ContextWrap::SeqPosRange(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  llama_seq_id s = ArgSeq(info[0], "seqId");
  llama_memory_t mem = llama_get_memory(ctx_.get());
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, llama_memory_seq_pos_min(mem, s));
  out.Set(1u, llama_memory_seq_pos_max(mem, s));
  return out;
}

Napi::Value ContextWrap::Clear(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  // Metadata only, as llama-bench does: emptied cells are masked out and overwritten before they
  // are read again, while zeroing the buffers cost ~1 ms per 10 MB of KV memory on every generate.
  llama_memory_clear(llama_get_memory(ctx_.get()), false);
  return env.Undefined();
}

Napi::Value ContextWrap::SetThreads(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  CheckIdle(env);
  int32_t n = static_cast<int32_t>(ArgInteger(info[0], "threads", 1, 1024));
  int32_t nb = info.Length() > 1 && !info[1].IsUndefined() ? static_cast<int32_t>(ArgInteger(info[1], "batchThreads", 1, 1024)) : n;
  llama_set_n_threads(ctx_.get(), n, nb);
  AttachThreadpools(ctx_.get(), n, nb);
  return env.Undefined();
}

// pauseThreads() -> boolean: parks the CPU pool's workers when no decode runs (see threadpool.h).
Napi::Value ContextWrap::PauseThreads(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  if (!ctx_ || dispose_pending_ || busy_.load()) return Napi::Boolean::New(env, false);
  PauseThreadpools(ctx_.get());
  return Napi::Boolean::New(env, true);
}

Napi::Value ContextWrap::Abort(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  if (busy_.load()) abort_.store(true);
  return info.Env().Undefined();
}

Napi::Value ContextWrap::Dispose(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  if (!ctx_ || dispose_pending_) return info.Env().Undefined();
  DetachViews();
  copy_rows_.clear();
  output_rows_.clear();
  if (busy_.load()) {
    // The worker still uses the context: stop it and free when it reports back.
    dispose_pending_ = true;
    abort_.store(true);
  } else {
    FreeNative();
  }
  model_ref_.Reset();
  return info.Env().Undefined();
}

Napi::Value ContextWrap::IsDisposed(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  return Napi::Boolean::New(info.Env(), !ctx_ || dispose_pending_);
}

Napi::Value ContextWrap::IsBusy(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  return Napi::Boolean::New(info.Env(), busy_.load());
}

Napi::Value ContextWrap::BytesCopied(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  return Napi::Number::New(info.Env(), bytes_copied_);
}

Napi::Value ContextWrap::CopyMode(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  return Napi::Boolean::New(info.Env(), copy_mode_);
}

}  // namespace loom
