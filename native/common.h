// Shared helpers for the addon: typed JS errors, argument checks, receiver type tags.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "llama.h"

namespace loom {

// Error with a machine-readable `code`, mapped to LoomError by lib/native.ts.
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void ThrowCoded(Napi::Env env, const char* code, const std::string& message);

// Short description of a received JS value for argument errors.
std::string Describe(const Napi::Value& v);

// "<name> must be <expected>; received <value>" as TypeError / RangeError.
[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& name, const std::string& expected, const Napi::Value& got);
[[noreturn]] void ThrowRangeError(Napi::Env env, const std::string& name, const std::string& expected, const Napi::Value& got);

int64_t ArgInteger(const Napi::Value& v, const char* name, int64_t min, int64_t max);
double ArgNumber(const Napi::Value& v, const char* name);
bool ArgBool(const Napi::Value& v, const char* name);
std::string ArgString(const Napi::Value& v, const char* name);
Napi::Object ArgObject(const Napi::Value& v, const char* name);
Napi::Int32Array ArgInt32Array(const Napi::Value& v, const char* name);

// Optional option lookup on an options object: returns `fallback` when absent/undefined.
int64_t OptInteger(const Napi::Object& o, const char* key, int64_t fallback, int64_t min, int64_t max);
bool OptBool(const Napi::Object& o, const char* key, bool fallback);
double OptNumber(const Napi::Object& o, const char* key, double fallback);

// Type tags so a method called with a foreign receiver or argument throws instead of crashing.
extern const napi_type_tag kModelTag;
extern const napi_type_tag kContextTag;
extern const napi_type_tag kSamplerTag;
extern const napi_type_tag kTrainerTag;

void TagObject(Napi::Env env, const Napi::Object& obj, const napi_type_tag& tag);
bool HasTag(Napi::Env env, const Napi::Value& v, const napi_type_tag& tag);

// Unwraps `v` as T after checking its tag; throws TypeError naming `name` otherwise.
template <typename T>
T* UnwrapTagged(const Napi::Value& v, const napi_type_tag& tag, const char* name, const char* what) {
  if (!HasTag(v.Env(), v, tag)) ThrowTypeError(v.Env(), name, what, v);
  return Napi::ObjectWrap<T>::Unwrap(v.As<Napi::Object>());
}

// Checks `this` inside an instance method: the wrapper must carry the class tag.
void CheckReceiver(const Napi::CallbackInfo& info, const napi_type_tag& tag, const char* what);

int DefaultThreads();

}  // namespace loom
