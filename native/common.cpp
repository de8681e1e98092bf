#include "common.h"

#include <cmath>
#include <thread>

namespace loom {

const napi_type_tag kModelTag = {0x6c6f6f6d6d6f6465ULL, 0x4c4c414d414d444cULL};
const napi_type_tag kContextTag = {0x6c6f6f6d63747874ULL, 0x4c4c414d41435458ULL};
const napi_type_tag kSamplerTag = {0x6c6f6f6d736d706cULL, 0x4c4c414d4153504cULL};
const napi_type_tag kTrainerTag = {0x6c6f6f6d7472616eULL, 0x4c4c414d41545252ULL};

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", Napi::String::New(env, code));
  return err;
}

void ThrowCoded(Napi::Env env, const char* code, const std::string& message) {
  throw CodedError(env, code, message);
}

std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    return std::to_string(d);
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.size() > 40) s = s.substr(0, 40) + "...";
    return "\"" + s + "\"";
  }
  if (v.IsTypedArray()) return "a typed array";
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  return "an object";
}

void ThrowTypeError(Napi::Env env, const std::string& name, const std::string& expected, const Napi::Value& got) {
  throw Napi::TypeError::New(env, name + " must be " + expected + "; received " + Describe(got));
}

void ThrowRangeError(Napi::Env env, const std::string& name, const std::string& expected, const Napi::Value& got) {
  throw Napi::RangeError::New(env, name + " must be " + expected + "; received " + Describe(got));
}

int64_t ArgInteger(const Napi::Value& v, const char* name, int64_t min, int64_t max) {
  std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!v.IsNumber()) ThrowTypeError(v.Env(), name, expected, v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    ThrowRangeError(v.Env(), name, expected, v);
  }
  return static_cast<int64_t>(d);
}

double ArgNumber(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) ThrowTypeError(v.Env(), name, "a number", v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) ThrowRangeError(v.Env(), name, "a finite number", v);
  return d;
}

bool ArgBool(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) ThrowTypeError(v.Env(), name, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::Value& v, const char* name) {
  if (!v.IsString()) ThrowTypeError(v.Env(), name, "a string", v);
  return v.As<Napi::String>().Utf8Value();
}

Napi::Object ArgObject(const Napi::Value& v, const char* name) {
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) ThrowTypeError(v.Env(), name, "an object", v);
  return v.As<Napi::Object>();
}

Napi::Int32Array ArgInt32Array(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowTypeError(v.Env(), name, "an Int32Array", v);
  }
  return v.As<Napi::Int32Array>();
}

int64_t OptInteger(const Napi::Object& o, const char* key, int64_t fallback, int64_t min, int64_t max) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return ArgInteger(v, key, min, max);
}

bool OptBool(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return ArgBool(v, key);
}

double OptNumber(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return ArgNumber(v, key);
}

void TagObject(Napi::Env env, const Napi::Object& obj, const napi_type_tag& tag) {
  napi_status st = napi_type_tag_object(env, obj, &tag);
  if (st != napi_ok) ThrowCoded(env, "INTERNAL", "could not tag native object");
}

bool HasTag(Napi::Env env, const Napi::Value& v, const napi_type_tag& tag) {
  if (!v.IsObject()) return false;
  bool result = false;
  if (napi_check_object_type_tag(env, v, &tag, &result) != napi_ok) return false;
  return result;
}

void CheckReceiver(const Napi::CallbackInfo& info, const napi_type_tag& tag, const char* what) {
  if (!HasTag(info.Env(), info.This(), tag)) {
    throw Napi::TypeError::New(info.Env(), std::string("method called on an object that is not a ") + what);
  }
}

int DefaultThreads() {
  unsigned hw = std::thread::hardware_concurrency();
  if (hw == 0) return 4;
  // Matrix kernels gain nothing from SMT siblings; assume 2-way SMT above 4 logical CPUs.
  return static_cast<int>(hw <= 4 ? hw : hw / 2);
}

}  // namespace loom
