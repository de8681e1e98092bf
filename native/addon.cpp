// Module entry: registers the native classes and process-wide functions.
#include <thread>

#include "common.h"
#include "context.h"
#include "log.h"
#include "memory.h"
#include "model.h"
#include "sampler.h"
#include "state.h"
#include "quantize.h"
#include "reference-loop.h"
#include "row-stats.h"
#include "train.h"

#include "ggml-backend.h"
#include "ggml-cpu.h"

namespace loom {
namespace {

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("llamaCommit", LOOM_LLAMA_COMMIT);
  o.Set("backend", LOOM_BACKEND_NAME);
  o.Set("llamaSystemInfo", llama_print_system_info());
  o.Set("supportsGpuOffload", llama_supports_gpu_offload());
  o.Set("supportsMmap", llama_supports_mmap());
  o.Set("supportsMlock", llama_supports_mlock());
  o.Set("maxDevices", static_cast<double>(llama_max_devices()));
  o.Set("maxSequences", static_cast<double>(llama_max_parallel_sequences()));
  o.Set("defaultThreads", DefaultThreads());
  o.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
  Napi::Array devices = Napi::Array::New(env);
  for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    Napi::Object d = Napi::Object::New(env);
    d.Set("name", ggml_backend_dev_name(dev));
    d.Set("description", ggml_backend_dev_description(dev));
    size_t free_mem = 0, total_mem = 0;
    ggml_backend_dev_memory(dev, &free_mem, &total_mem);
    d.Set("memoryFree", static_cast<double>(free_mem));
    d.Set("memoryTotal", static_cast<double>(total_mem));
    const char* type = "cpu";
    switch (ggml_backend_dev_type(dev)) {
      case GGML_BACKEND_DEVICE_TYPE_GPU: type = "gpu"; break;
      case GGML_BACKEND_DEVICE_TYPE_IGPU: type = "igpu"; break;
      case GGML_BACKEND_DEVICE_TYPE_ACCEL: type = "accel"; break;
      default: break;
    }
    d.Set("type", type);
    devices.Set(static_cast<uint32_t>(i), d);
  }
  o.Set("devices", devices);
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("sse3", ggml_cpu_has_sse3() != 0);
  cpu.Set("avx", ggml_cpu_has_avx() != 0);
  cpu.Set("avx2", ggml_cpu_has_avx2() != 0);
  cpu.Set("f16c", ggml_cpu_has_f16c() != 0);
  cpu.Set("fma", ggml_cpu_has_fma() != 0);
  cpu.Set("avx512", ggml_cpu_has_avx512() != 0);
  cpu.Set("avx512Vnni", ggml_cpu_has_avx512_vnni() != 0);
  cpu.Set("avx512Bf16", ggml_cpu_has_avx512_bf16() != 0);
  cpu.Set("amxInt8", ggml_cpu_has_amx_int8() != 0);
  cpu.Set("neon", ggml_cpu_has_neon() != 0);
  cpu.Set("armFma", ggml_cpu_has_arm_fma() != 0);
  o.Set("cpuFeatures", cpu);
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ConfigureAllocator();
  llama_backend_init();
  InstallLogHook(env);
  exports.Set("NativeModel", ModelWrap::Init(env));
  exports.Set("NativeContext", ContextWrap::Init(env));
  exports.Set("NativeSampler", SamplerWrap::Init(env));
  exports.Set("loadModel", Napi::Function::New(env, ModelWrap::Load, "loadModel"));
  exports.Set("createContext", Napi::Function::New(env, ContextWrap::Create, "createContext"));
  exports.Set("saveState", Napi::Function::New(env, SaveState, "saveState"));
  exports.Set("loadState", Napi::Function::New(env, LoadState, "loadState"));
  exports.Set("setForceCopy", Napi::Function::New(env, ContextWrap::SetForceCopy, "setForceCopy"));
  exports.Set("setLogger", Napi::Function::New(env, SetLogger, "setLogger"));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
  exports.Set("mallocStats", Napi::Function::New(env, MallocStats, "mallocStats"));
  exports.Set("train", Napi::Function::New(env, Train, "train"));
  exports.Set("quantize", Napi::Function::New(env, Quantize, "quantize"));
  exports.Set("expSum", Napi::Function::New(env, ExpSum, "expSum"));
  exports.Set("referenceLoop", Napi::Function::New(env, ReferenceLoop, "referenceLoop"));
  return exports;
}

}  // namespace loom

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return loom::Init(env, exports); }
NODE_API_MODULE(llama_loom, InitModule)
