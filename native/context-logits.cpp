// Logits as zero-copy Float32Array views over llama.cpp's output buffer: made, cached per row,
// and detached before the next decode overwrites (or reallocates) the buffer.
#include <cstring>

#include "context.h"

namespace loom {

namespace {
// Rows staged ahead of a decode; batches with more outputs (perplexity's) make the rest on demand.
constexpr size_t kStagedRowsMax = 16;
}  // namespace

void ContextWrap::DetachViews() {
  for (auto& ref : views_) {
    if (!ref.IsEmpty()) {
      Napi::ArrayBuffer ab = ref.Value();
      if (!ab.IsEmpty() && !ab.IsDetached()) ab.Detach();
    }
  }
  views_.clear();
  row_views_.clear();
  staged_views_.clear();
  staged_base_ = nullptr;
}

// Called (JS thread) just before a decode starts, with output_rows_ already set for it. Making an
// external ArrayBuffer right after a decode costs 25 us (4 M model) to 65 us (134 M) because the
// decode has evicted V8's allocation paths from the caches; made here, while they are warm, it
// costs ~2 us. The views stay private until the decode has finished, and are handed out only if
// the row lands where predicted (llama.cpp keeps its output buffer unless a batch needs more
// rows than it holds); otherwise Logits() makes a fresh view and these are detached unused.
void ContextWrap::StageViews(Napi::Env env) {
  if (copy_mode_ || output_rows_.empty()) return;
  float* base = llama_get_logits(ctx_.get());
  if (base == nullptr) return;
  size_t rows = std::min(output_rows_.size(), kStagedRowsMax);
  napi_value ab_value;
  if (napi_create_external_arraybuffer(env, base, rows * static_cast<size_t>(n_vocab_) * sizeof(float), nullptr, nullptr, &ab_value) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) { napi_value ex; napi_get_and_clear_last_exception(env, &ex); }
    return;  // Logits() finds out why (copy mode) and falls back on its own
  }
  Napi::ArrayBuffer ab(env, ab_value);
  views_.push_back(Napi::Weak(ab));
  staged_views_.reserve(rows);
  for (size_t r = 0; r < rows; r++) {
    staged_views_.push_back(Napi::Persistent(Napi::Float32Array::New(env, n_vocab_, ab, r * static_cast<size_t>(n_vocab_) * sizeof(float))));
  }
  staged_base_ = base;
}

int32_t ContextWrap::ResolveRow(const Napi::Value& v) const {
  Napi::Env env = v.Env();
  int64_t count = static_cast<int64_t>(output_rows_.size());
  if (count == 0) ThrowCoded(env, "INVALID_BATCH", "no logits are available: the last decode requested no outputs");
  int64_t row = ArgInteger(v, "row", -count, count - 1);
  return static_cast<int32_t>(row < 0 ? row + count : row);
}

// logits(row) -> Float32Array over the row-th output of the last decode.
Napi::Value ContextWrap::Logits(const Napi::CallbackInfo& info) {
  CheckReceiver(info, kContextTag, "NativeContext");
  Napi::Env env = info.Env();
  llama_context* ctx = Checked(env);
  if (busy_.load()) ThrowCoded(env, "BUSY", "logits are not available while a decode runs");
  int32_t row = ResolveRow(info[0]);
  if (row_views_.size() < output_rows_.size()) row_views_.resize(output_rows_.size());
  if (!row_views_[row].IsEmpty()) {
    Napi::Float32Array cached = row_views_[row].Value();
    if (!cached.IsEmpty()) return cached;
  }
  float* data = llama_get_logits_ith(ctx, output_rows_[row]);
  if (!data) ThrowCoded(env, "INTERNAL", "llama.cpp returned no logits for row " + std::to_string(row));
  size_t bytes = static_cast<size_t>(n_vocab_) * sizeof(float);
  Napi::Float32Array view;
  // A staged view is handed out once: if that one was collected since, the row gets a fresh view.
  if (!copy_mode_ && static_cast<size_t>(row) < staged_views_.size() && !staged_views_[row].IsEmpty() &&
      data == staged_base_ + static_cast<size_t>(row) * n_vocab_) {
    view = staged_views_[row].Value();
    staged_views_[row].Reset();
  } else if (!copy_mode_) {
    napi_value ab_value;
    napi_status st = napi_create_external_arraybuffer(env, data, bytes, nullptr, nullptr, &ab_value);
    if (st == napi_ok) {
      Napi::ArrayBuffer ab(env, ab_value);
      views_.push_back(Napi::Weak(ab));
      view = Napi::Float32Array::New(env, n_vocab_, ab, 0);
    } else if (st == napi_no_external_buffers_allowed) {
      copy_mode_ = true;  // V8 memory cage (Electron >= 21): fall back to one copy per row from now on
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) { napi_value ex; napi_get_and_clear_last_exception(env, &ex); }
    } else {
      ThrowCoded(env, "INTERNAL", "could not create a logits view");
    }
  }
  if (copy_mode_) {
    if (copy_rows_.size() <= static_cast<size_t>(row)) copy_rows_.resize(row + 1);
    if (copy_rows_[row].IsEmpty()) copy_rows_[row] = Napi::Persistent(Napi::Float32Array::New(env, n_vocab_));
    view = copy_rows_[row].Value();
    std::memcpy(view.Data(), data, bytes);
    bytes_copied_ += static_cast<double>(bytes);
  }
  row_views_[row] = Napi::Weak(view);
  return view;
}

}  // namespace loom
