// Type conversion of saved models through llama_model_quantize (f32/f16/bf16/q8_0/q4_0/k-quants).
#include "quantize.h"

#include <sys/stat.h>

#include <cstring>
#include <string>
#include <vector>

namespace loom {
namespace {

class QuantizeWorker : public Napi::AsyncWorker {
 public:
  QuantizeWorker(Napi::Env env, std::string src, std::string dst, llama_ftype ftype, std::vector<llama_model_kv_override> kv)
      : Napi::AsyncWorker(env, "llama-loom:quantize"),
        deferred_(Napi::Promise::Deferred::New(env)),
        src_(std::move(src)),
        dst_(std::move(dst)),
        ftype_(ftype),
        kv_(std::move(kv)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    llama_model_quantize_params qp = llama_model_quantize_default_params();
    qp.ftype = ftype_;
    qp.nthread = DefaultThreads();
    qp.kv_overrides = kv_.data();  // ends with an entry whose key is empty
    if (llama_model_quantize(src_.c_str(), dst_.c_str(), &qp) != 0) SetError("llama_model_quantize could not convert " + src_ + " to " + dst_);
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(CodedError(Env(), "INTERNAL", e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string src_, dst_;
  llama_ftype ftype_;
  std::vector<llama_model_kv_override> kv_;
};

struct FtypeName {
  const char* name;
  llama_ftype ftype;
};
const FtypeName kFtypes[] = {
    {"f32", LLAMA_FTYPE_ALL_F32},         {"f16", LLAMA_FTYPE_MOSTLY_F16},       {"bf16", LLAMA_FTYPE_MOSTLY_BF16},
    {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},    {"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},     {"q4_k_m", LLAMA_FTYPE_MOSTLY_Q4_K_M},
    {"q5_k_m", LLAMA_FTYPE_MOSTLY_Q5_K_M}, {"q6_k", LLAMA_FTYPE_MOSTLY_Q6_K},
};

}  // namespace

Napi::Value Quantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string src = ArgString(info[0], "src");
  std::string dst = ArgString(info[1], "dst");
  if (src.empty()) ThrowRangeError(env, "src", "a non-empty path", info[0]);
  if (dst.empty()) ThrowRangeError(env, "dst", "a non-empty path", info[1]);
  std::string type = ArgString(info[2], "type");
  const FtypeName* hit = nullptr;
  std::string names;
  for (const auto& f : kFtypes) {
    if (type == f.name) hit = &f;
    names += std::string(names.empty() ? "" : ", ") + "\"" + f.name + "\"";
  }
  if (!hit) ThrowRangeError(env, "type", "one of " + names, info[2]);

  std::vector<llama_model_kv_override> kv;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    Napi::Object meta = ArgObject(info[3], "metadata");
    Napi::Array keys = meta.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
      Napi::Value v = meta.Get(key);
      std::string name = "metadata[\"" + key + "\"]";
      std::string value = ArgString(v, name.c_str());
      if (key.empty() || key.size() >= 128) ThrowRangeError(env, "metadata key", "1 to 127 bytes long", keys.Get(i));
      if (value.size() >= 128) ThrowRangeError(env, name, "at most 127 bytes long", v);
      llama_model_kv_override o{};
      o.tag = LLAMA_KV_OVERRIDE_TYPE_STR;
      std::strncpy(o.key, key.c_str(), sizeof o.key - 1);
      std::strncpy(o.val_str, value.c_str(), sizeof o.val_str - 1);
      kv.push_back(o);
    }
  }
  kv.push_back(llama_model_kv_override{});  // terminator: empty key

  struct stat st {};
  if (stat(src.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) ThrowCoded(env, "MODEL_LOAD_FAILED", "model file not found: " + src);
  auto* worker = new QuantizeWorker(env, std::move(src), std::move(dst), hit->ftype, std::move(kv));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace loom
