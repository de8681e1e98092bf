// Next-token training through llama.cpp's optimiser, one optimiser step per context-sized chunk.
//
// Workarounds for this llama.cpp tree (measured, see lib/train/train.ts for the user-facing notes):
//  - llama.cpp builds a fresh graph for every step; with one micro-batch per step ggml-opt never
//    clears its gradient accumulators, so every step would apply the sum of all gradients so far
//    and training diverges. The optimiser-parameters callback, which runs right before each step,
//    clears them with ggml_opt_reset(opt_ctx, false); the opt_ctx comes from the epoch callback.
//  - llama_opt_epoch runs a whole dataset and cannot be interrupted or shuffled, so each step is
//    its own one-datapoint llama_opt_epoch call: the abort flag is checked between steps and the
//    chunk order is a seeded permutation drawn here each epoch.
//  - token_embd gets no gradient (llama_opt_init skips it) and neither do attn_k / attn_v (their
//    results only reach attention through the KV cache copy, which has no backward pass).
#include "train.h"


#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml-opt.h"
#include "model.h"
#include "threadpool.h"

namespace loom {
namespace {

struct TrainConfig {
  uint32_t n_ctx = 0;
  int64_t epochs = 1;
  double lr = 1e-3;
  double min_lr = 0;
  int64_t warmup = 0;
  double weight_decay = 0;
  double validation_split = 0;
  uint64_t seed = 0;
  int threads = 1;
};

// Warmup then cosine decay, evaluated before every optimiser step.
struct Schedule {
  TrainConfig cfg;
  int64_t total_steps = 1;
  int64_t step = 0;  // optimiser steps taken so far
  float current_lr = 0;
  ggml_opt_context_t opt_ctx = nullptr;

  double At(int64_t s) const {
    if (s < cfg.warmup) return cfg.lr * static_cast<double>(s + 1) / static_cast<double>(cfg.warmup);
    double span = static_cast<double>(std::max<int64_t>(1, total_steps - cfg.warmup));
    double progress = std::min(1.0, static_cast<double>(s - cfg.warmup) / span);
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1.0 + std::cos(M_PI * progress));
  }
};

// ggml's epoch callbacks carry no user data; each training runs on its own pool thread.
thread_local Schedule* t_schedule = nullptr;

ggml_opt_optimizer_params OptimizerParams(void* ud) {
  auto* s = static_cast<Schedule*>(ud);
  if (s->opt_ctx) ggml_opt_reset(s->opt_ctx, /*optimizer=*/false);
  // ggml-opt asserts alpha > 0; a zero minimum learning rate is never reached exactly anyway.
  s->current_lr = static_cast<float>(std::max(s->At(s->step), 1e-12));
  s->step++;
  ggml_opt_optimizer_params p = ggml_opt_get_default_optimizer_params(nullptr);
  p.adamw.alpha = s->current_lr;
  p.adamw.beta1 = 0.9f;
  p.adamw.beta2 = 0.95f;
  p.adamw.eps = 1e-8f;
  p.adamw.wd = static_cast<float>(s->cfg.weight_decay);
  return p;
}

void CaptureOptContext(bool, ggml_opt_context_t opt_ctx, ggml_opt_dataset_t, ggml_opt_result_t, int64_t, int64_t, int64_t) {
  if (t_schedule) t_schedule->opt_ctx = opt_ctx;
}

// Counts the weights llama.cpp offers for training (it skips token_embd and non-f32 tensors) and
// refuses those that are memory-mapped read-only: the optimiser writes the weights in place.
struct ParamCheck {
  int trainable = 0;
  std::string mapped;
};

bool FilterParam(const ggml_tensor* t, void* ud) {
  auto* check = static_cast<ParamCheck*>(ud);
  if (t->buffer && std::strcmp(ggml_backend_buffer_name(t->buffer), "CPU_Mapped") == 0) {
    if (check->mapped.empty()) check->mapped = t->name;
    return false;
  }
  check->trainable++;
  return true;
}

// splitmix64: a seeded generator whose output is the same on every platform (std::shuffle's is not).
struct SplitMix {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  void Shuffle(std::vector<int64_t>& v) {
    for (size_t i = v.size(); i > 1; i--) std::swap(v[i - 1], v[Next() % i]);
  }
};

struct TrainEvent {
  bool eval = false;
  int64_t epoch = 0, step = 0, steps = 0, batch = 0, batches = 0;
  double loss = 0, loss_mean = 0, loss_unc = NAN, accuracy = 0, lr = 0, tokens_per_second = 0, seconds = 0;
};

struct TrainSummary {
  int64_t steps = 0, epochs = 0, train_chunks = 0, val_chunks = 0, trainable_tensors = 0;
  double train_loss = NAN, train_accuracy = NAN, val_loss = NAN, val_loss_unc = NAN, val_accuracy = NAN;
  double tokens_per_second = 0, seconds = 0;
};

// Models with a training in flight; touched only on the JS thread.
std::set<const llama_model*> g_training;

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

class TrainWorker : public Napi::AsyncProgressQueueWorker<TrainEvent> {
 public:
  TrainWorker(Napi::Env env, ModelPtr model, std::vector<llama_token> tokens, TrainConfig cfg,
              std::shared_ptr<std::atomic<bool>> abort, Napi::Function on_progress)
      : Napi::AsyncProgressQueueWorker<TrainEvent>(env, "llama-loom:train"),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(std::move(model)),
        tokens_(std::move(tokens)),
        cfg_(cfg),
        abort_(std::move(abort)) {
    if (!on_progress.IsEmpty()) progress_fn_ = Napi::Persistent(on_progress);
    g_training.insert(model_.get());
  }
  ~TrainWorker() override { g_training.erase(model_.get()); }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    auto t0 = Clock::now();
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = cp.n_batch = cp.n_ubatch = cfg_.n_ctx;  // one micro-batch per optimiser step
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = cfg_.threads;
    cp.type_k = cp.type_v = GGML_TYPE_F32;  // the backward pass has no f16 OUT_PROD
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.no_perf = true;
    auto free_ctx = [](llama_context* c) {
      llama_free(c);
      ReleaseThreadpools(c);
    };
    std::unique_ptr<llama_context, decltype(free_ctx)> ctx(llama_init_from_model(model_.get(), cp), free_ctx);
    if (!ctx) return Fail("TRAIN_FAILED", "llama.cpp could not create a training context of " + std::to_string(cfg_.n_ctx) + " tokens");
    AttachThreadpools(ctx.get(), cfg_.threads, cfg_.threads);

    // The CPU backend takes its thread count from the last decode; the optimiser path never sets it.
    llama_token first = tokens_[0];
    if (llama_decode(ctx.get(), llama_batch_get_one(&first, 1)) != 0) return Fail("TRAIN_FAILED", "the warm-up decode failed");
    llama_memory_clear(llama_get_memory(ctx.get()), true);

    ParamCheck check;
    Schedule sched;
    sched.cfg = cfg_;
    llama_opt_params op{};
    op.n_ctx_train = cfg_.n_ctx;
    op.param_filter = FilterParam;
    op.param_filter_ud = &check;
    op.get_opt_pars = OptimizerParams;
    op.get_opt_pars_ud = &sched;
    op.optimizer_type = GGML_OPT_OPTIMIZER_TYPE_ADAMW;
    llama_opt_init(ctx.get(), model_.get(), op);
    if (!check.mapped.empty()) {
      return Fail("TRAIN_FAILED", "the weights are memory-mapped read-only (" + check.mapped + "): load the model with useMmap: false to train it");
    }
    if (check.trainable == 0) return Fail("TRAIN_FAILED", "the model has no trainable tensors");
    summary_.trainable_tensors = check.trainable;

    const int64_t n_ctx = cfg_.n_ctx;
    const int64_t n_chunks = (static_cast<int64_t>(tokens_.size()) - 1) / n_ctx;
    const int64_t n_val = static_cast<int64_t>(std::floor(static_cast<double>(n_chunks) * cfg_.validation_split));
    const int64_t n_train = n_chunks - n_val;
    summary_.train_chunks = n_train;
    summary_.val_chunks = n_val;
    sched.total_steps = n_train * cfg_.epochs;

    std::unique_ptr<ggml_opt_dataset, void (*)(ggml_opt_dataset_t)> ds(
        ggml_opt_dataset_init(GGML_TYPE_I32, GGML_TYPE_I32, n_ctx, n_ctx, 1, 1), ggml_opt_dataset_free);
    auto* data = static_cast<llama_token*>(ggml_opt_dataset_data(ds.get())->data);
    auto* labels = static_cast<llama_token*>(ggml_opt_dataset_labels(ds.get())->data);
    auto load_chunk = [&](int64_t c) {
      std::memcpy(data, tokens_.data() + c * n_ctx, n_ctx * sizeof(llama_token));
      std::memcpy(labels, tokens_.data() + c * n_ctx + 1, n_ctx * sizeof(llama_token));
    };
    std::unique_ptr<ggml_opt_result, void (*)(ggml_opt_result_t)> res(ggml_opt_result_init(), ggml_opt_result_free);

    std::vector<int64_t> order(n_train);
    for (int64_t i = 0; i < n_train; i++) order[i] = i;
    SplitMix rng{cfg_.seed};
    t_schedule = &sched;
    double train_seconds = 0;
    int64_t train_tokens = 0;

    for (int64_t epoch = 0; epoch < cfg_.epochs; epoch++) {
      rng.Shuffle(order);
      double sum = 0, sum_sq = 0, correct = 0;
      auto te = Clock::now();
      for (int64_t i = 0; i < n_train; i++) {
        if (abort_->load()) return Aborted();
        load_chunk(order[i]);
        ggml_opt_result_reset(res.get());
        llama_opt_epoch(ctx.get(), ds.get(), res.get(), nullptr, 1, CaptureOptContext, nullptr);
        double loss = 0, unc = 0, acc = 0;
        ggml_opt_result_loss(res.get(), &loss, &unc);
        ggml_opt_result_accuracy(res.get(), &acc, nullptr);
        if (!std::isfinite(loss)) return Fail("TRAIN_FAILED", "the loss became " + std::to_string(loss) + " at step " + std::to_string(sched.step) + ": lower learningRate");
        sum += loss;
        sum_sq += loss * loss;
        correct += acc;
        train_tokens += n_ctx;
        double epoch_seconds = Since(te);
        int64_t k = i + 1;
        TrainEvent ev;
        ev.epoch = epoch;
        ev.step = sched.step;
        ev.steps = sched.total_steps;
        ev.batch = k;
        ev.batches = n_train;
        ev.loss = loss;
        ev.loss_mean = sum / k;
        ev.loss_unc = k > 1 ? std::sqrt(std::max(0.0, sum_sq / k - ev.loss_mean * ev.loss_mean) / (k - 1)) : NAN;
        ev.accuracy = acc;
        ev.lr = sched.current_lr;
        ev.tokens_per_second = static_cast<double>(k * n_ctx) / epoch_seconds;
        ev.seconds = Since(t0);
        progress.Send(&ev, 1);
        summary_.steps = sched.step;
        summary_.train_loss = ev.loss_mean;
        summary_.train_accuracy = correct / k;
      }
      train_seconds += Since(te);
      summary_.epochs = epoch + 1;
      if (n_val > 0 && !Evaluate(ctx.get(), ds.get(), load_chunk, n_train, n_val, epoch, sched, progress, t0)) return Aborted();
    }
    t_schedule = nullptr;
    summary_.tokens_per_second = train_seconds > 0 ? static_cast<double>(train_tokens) / train_seconds : 0;
    summary_.seconds = Since(t0);
  }

  // Forward passes over the validation chunks; false when aborted.
  template <typename Load>
  bool Evaluate(llama_context* ctx, ggml_opt_dataset_t ds, Load& load_chunk, int64_t first, int64_t count, int64_t epoch,
                const Schedule& sched, const ExecutionProgress& progress, Clock::time_point t0) {
    std::unique_ptr<ggml_opt_result, void (*)(ggml_opt_result_t)> res(ggml_opt_result_init(), ggml_opt_result_free);
    auto te = Clock::now();
    for (int64_t j = 0; j < count; j++) {
      if (abort_->load()) return false;
      load_chunk(first + j);
      llama_opt_epoch(ctx, ds, nullptr, res.get(), 0, nullptr, nullptr);
      TrainEvent ev;
      ev.eval = true;
      ev.epoch = epoch;
      ev.step = sched.step;
      ev.steps = sched.total_steps;
      ev.batch = j + 1;
      ev.batches = count;
      ggml_opt_result_loss(res.get(), &ev.loss_mean, &ev.loss_unc);
      ev.loss = ev.loss_mean;
      ggml_opt_result_accuracy(res.get(), &ev.accuracy, nullptr);
      ev.lr = sched.current_lr;
      ev.tokens_per_second = static_cast<double>((j + 1) * cfg_.n_ctx) / Since(te);
      ev.seconds = Since(t0);
      progress.Send(&ev, 1);
      summary_.val_loss = ev.loss_mean;
      summary_.val_loss_unc = ev.loss_unc;
      summary_.val_accuracy = ev.accuracy;
    }
    return true;
  }

  void OnProgress(const TrainEvent* events, size_t count) override {
    if (progress_fn_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; i++) {
      const TrainEvent& e = events[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("phase", e.eval ? "eval" : "train");
      o.Set("epoch", static_cast<double>(e.epoch));
      o.Set("step", static_cast<double>(e.step));
      o.Set("steps", static_cast<double>(e.steps));
      o.Set("batch", static_cast<double>(e.batch));
      o.Set("batches", static_cast<double>(e.batches));
      o.Set("loss", e.loss);
      o.Set("lossMean", e.loss_mean);
      o.Set("lossUncertainty", e.loss_unc);
      o.Set("accuracy", e.accuracy);
      o.Set("learningRate", e.lr);
      o.Set("tokensPerSecond", e.tokens_per_second);
      o.Set("seconds", e.seconds);
      progress_fn_.Call({o});
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!code_.empty()) {
      deferred_.Reject(CodedError(env, code_.c_str(), message_).Value());
      return;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("steps", static_cast<double>(summary_.steps));
    o.Set("epochs", static_cast<double>(summary_.epochs));
    o.Set("trainChunks", static_cast<double>(summary_.train_chunks));
    o.Set("validationChunks", static_cast<double>(summary_.val_chunks));
    o.Set("trainableTensors", static_cast<double>(summary_.trainable_tensors));
    o.Set("trainLoss", summary_.train_loss);
    o.Set("trainAccuracy", summary_.train_accuracy);
    o.Set("valLoss", summary_.val_loss);
    o.Set("valLossUncertainty", summary_.val_loss_unc);
    o.Set("valAccuracy", summary_.val_accuracy);
    o.Set("tokensPerSecond", summary_.tokens_per_second);
    o.Set("seconds", summary_.seconds);
    deferred_.Resolve(o);
  }

  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(CodedError(Env(), "TRAIN_FAILED", e.Message()).Value());
  }

 private:
  // Failures resolve through OnOK with a code, so the code survives (SetError only keeps text).
  void Fail(const char* code, const std::string& message) {
    t_schedule = nullptr;
    code_ = code;
    message_ = message;
  }
  void Aborted() {
    Fail("ABORTED", "training was aborted after " + std::to_string(summary_.steps) + " optimiser steps (the weights keep their updates)");
  }

  Napi::Promise::Deferred deferred_;
  ModelPtr model_;
  std::vector<llama_token> tokens_;
  TrainConfig cfg_;
  std::shared_ptr<std::atomic<bool>> abort_;
  Napi::FunctionReference progress_fn_;
  TrainSummary summary_;
  std::string code_, message_;
};

double ArgNumberIn(const Napi::Object& o, const char* key, double lo, double hi, bool lo_open, bool hi_open) {
  Napi::Value v = o.Get(key);
  double d = ArgNumber(v, key);
  if ((lo_open ? d <= lo : d < lo) || (hi_open ? d >= hi : d > hi)) {
    ThrowRangeError(o.Env(), key, std::string("a number in ") + (lo_open ? "(" : "[") + std::to_string(lo) + ", " +
                                       std::to_string(hi) + (hi_open ? ")" : "]"), v);
  }
  return d;
}

}  // namespace

Napi::Value Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModelWrap* mw = UnwrapTagged<ModelWrap>(info[0], kModelTag, "model", "a NativeModel");
  ModelPtr model = mw->Checked(env);
  Napi::Object o = ArgObject(info[1], "options");
  if (llama_model_n_layer(model.get()) == 0) ThrowCoded(env, "TRAIN_FAILED", "the model was loaded with vocabOnly: it has no weights to train");
  if (g_training.count(model.get())) ThrowCoded(env, "BUSY", "this model is already training");
  // llama.cpp would silently freeze every non-f32 weight and train only the norms.
  if (llama_model_ftype(model.get()) != LLAMA_FTYPE_ALL_F32) {
    ThrowCoded(env, "TRAIN_FAILED", std::string("training needs an all-f32 model; this one is ") + llama_ftype_name(llama_model_ftype(model.get())));
  }

  Napi::Int32Array tokens = ArgInt32Array(o.Get("tokens"), "tokens");
  TrainConfig cfg;
  Napi::Value ctx_v = o.Get("contextSize");
  cfg.n_ctx = static_cast<uint32_t>(ArgInteger(ctx_v, "contextSize", 256, 1 << 20));
  if (cfg.n_ctx % 256 != 0) ThrowRangeError(env, "contextSize", "a multiple of 256 (llama.cpp pads contexts to 256 cells)", ctx_v);
  cfg.epochs = ArgInteger(o.Get("epochs"), "epochs", 1, 1000000);
  cfg.lr = ArgNumberIn(o, "learningRate", 0, 1, true, false);
  cfg.min_lr = ArgNumberIn(o, "minLearningRate", 0, cfg.lr, false, false);
  cfg.warmup = ArgInteger(o.Get("warmupSteps"), "warmupSteps", 0, INT32_MAX);
  cfg.weight_decay = ArgNumberIn(o, "weightDecay", 0, 1, false, false);
  cfg.validation_split = ArgNumberIn(o, "validationSplit", 0, 1, false, true);
  cfg.seed = static_cast<uint64_t>(ArgInteger(o.Get("seed"), "seed", 0, (int64_t{1} << 53) - 1));
  cfg.threads = static_cast<int>(OptInteger(o, "threads", DefaultThreads(), 1, 1024));
  Napi::Function on_progress;
  Napi::Value p = o.Get("onProgress");
  if (!p.IsUndefined()) {
    if (!p.IsFunction()) ThrowTypeError(env, "onProgress", "a function", p);
    on_progress = p.As<Napi::Function>();
  }

  const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model.get()));
  const int32_t* t = tokens.Data();
  const size_t n = tokens.ElementLength();
  for (size_t i = 0; i < n; i++) {
    if (t[i] < 0 || t[i] >= n_vocab) {
      throw Napi::RangeError::New(env, "tokens[" + std::to_string(i) + "] must be a token id in [0, " + std::to_string(n_vocab) +
                                           "); received " + std::to_string(t[i]));
    }
  }
  const int64_t n_chunks = n > 0 ? static_cast<int64_t>(n - 1) / cfg.n_ctx : 0;
  const int64_t n_val = static_cast<int64_t>(std::floor(static_cast<double>(n_chunks) * cfg.validation_split));
  if (n_chunks - n_val < 1) {
    ThrowRangeError(env, "tokens", "long enough for one training chunk of contextSize + 1 = " + std::to_string(cfg.n_ctx + 1) +
                                       " tokens after the validation split", o.Get("tokens"));
  }

  auto abort = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new TrainWorker(env, model, std::vector<llama_token>(t, t + n), cfg, abort, on_progress);
  Napi::Object result = Napi::Object::New(env);
  result.Set("promise", worker->Promise());
  result.Set("abort", Napi::Function::New(env, [abort](const Napi::CallbackInfo&) { abort->store(true); }));
  worker->Queue();
  return result;
}

}  // namespace loom
