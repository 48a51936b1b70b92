// Context: KV cache allocation, batching of decode() calls, logits bookkeeping.
#include "hearth/context.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "platform/large_buffer.hpp"

namespace hearth {

namespace {
// Above this the cache alone would be absurd for a CPU library (and int positions overflow).
constexpr int64_t kMaxContext = int64_t{1} << 24;
}  // namespace

Context::Context(std::shared_ptr<const Model> model, const ContextParams& params)
    : model_(std::move(model)) {
  if (!model_) fail(Status::kInvalidArgument, "Context: no model");
  const ModelConfig& c = model_->config();
  if (params.n_ctx <= 0)
    fail(Status::kInvalidArgument, fmt::format("n_ctx must be positive (got {})", params.n_ctx));
  if (params.n_ctx > kMaxContext)
    fail(Status::kInvalidArgument,
         fmt::format("n_ctx {} is absurdly large (at most {})", params.n_ctx, kMaxContext));
  if (params.n_batch <= 0)
    fail(Status::kInvalidArgument,
         fmt::format("n_batch must be positive (got {})", params.n_batch));
  if (params.n_threads < 0 || params.n_threads > 1024)
    fail(Status::kInvalidArgument, fmt::format("n_threads {} is out of range", params.n_threads));
  // The model cannot attend further than it was trained for; cap rather than fail.
  n_ctx_ = c.n_ctx_train > 0 ? std::min(params.n_ctx, c.n_ctx_train) : params.n_ctx;
  n_batch_ = params.n_batch;
  kv_row_halves_ = static_cast<size_t>(c.n_head_kv) * c.head_dim;
  n_layer_ = c.n_layer;
  const size_t bytes = 2 * static_cast<size_t>(n_layer_) * kv_layer_halves() * sizeof(uint16_t);
  std::shared_ptr<uint8_t> kv = platform::allocate_large_buffer(bytes);
  if (!kv)
    fail(Status::kOutOfMemory,
         fmt::format("cannot allocate {} MiB for the KV cache of n_ctx = {}", bytes >> 20, n_ctx_));
  kv_cache_ = std::shared_ptr<uint16_t>(kv, reinterpret_cast<uint16_t*>(kv.get()));
  kv_filler_ = std::make_unique<platform::LargeBufferFiller>(kv.get(), bytes);
  logits_.resize(c.n_vocab);
  pool_ = std::make_unique<ThreadPool>(params.n_threads);
}

Context::~Context() = default;

void Context::kv_reserve(int n) {
  // Positions per step: decode asks once per kStep tokens, a prompt once per chunk.
  constexpr int kStep = 64;
  if (n <= kv_backed_) return;
  const int upto = std::min(n_ctx_, std::max(n, kv_backed_ + kStep));
  const size_t from = static_cast<size_t>(kv_backed_) * kv_row_halves_;
  const size_t halves = static_cast<size_t>(upto - kv_backed_) * kv_row_halves_;
  for (int il = 0; il < n_layer_; ++il) {
    kv_filler_->populate(reinterpret_cast<uint8_t*>(k_rows(il) + from), halves * sizeof(uint16_t));
    kv_filler_->populate(reinterpret_cast<uint8_t*>(v_rows(il) + from), halves * sizeof(uint16_t));
  }
  kv_backed_ = upto;
}

int Context::n_threads() const {
  return pool_->size();
}

void Context::set_threads(int n_threads) {
  if (n_threads < 0 || n_threads > 1024)
    fail(Status::kInvalidArgument, fmt::format("n_threads {} is out of range", n_threads));
  pool_ = std::make_unique<ThreadPool>(n_threads);
}

bool Context::cancel() {
  std::lock_guard<std::mutex> lock(call_mu_);
  if (calls_ == 0) return false;
  cancel_.store(true);
  return true;
}

Context::CallScope::CallScope(Context& ctx) : ctx_(ctx) {
  std::lock_guard<std::mutex> lock(ctx_.call_mu_);
  if (ctx_.calls_++ == 0) ctx_.cancel_.store(false);
}

Context::CallScope::~CallScope() {
  std::lock_guard<std::mutex> lock(ctx_.call_mu_);
  if (open_ && --ctx_.calls_ == 0) ctx_.cancel_.store(false);
}

bool Context::CallScope::complete() {
  std::lock_guard<std::mutex> lock(ctx_.call_mu_);
  if (ctx_.cancel_.load()) return false;
  if (open_ && ctx_.calls_ == 1) {  // the outermost call: done, no cancel can reach it now
    open_ = false;
    ctx_.calls_ = 0;
  }
  return true;
}

void Context::decode(const int32_t* tokens, size_t n, bool all_logits) {
  CallScope scope(*this);
  if (n == 0) fail(Status::kInvalidArgument, "decode: no tokens");
  if (!tokens) fail(Status::kInvalidArgument, "decode: tokens is NULL");
  const int n_vocab = model_->config().n_vocab;
  for (size_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || tokens[i] >= n_vocab)
      fail(Status::kInvalidArgument,
           fmt::format("token {} at index {} is outside the vocabulary (0..{})", tokens[i], i,
                       n_vocab - 1));
  if (static_cast<int64_t>(n) > n_ctx_ - n_past_)
    fail(Status::kContextFull,
         fmt::format("context full: {} tokens held, {} more do not fit in n_ctx = {}", n_past_, n,
                     n_ctx_));
  const int start = n_past_;
  if (all_logits) all_logits_.assign(n * static_cast<size_t>(n_vocab), 0.0f);
  try {
    for (size_t done = 0; done < n;) {
      if (cancel_requested()) fail(Status::kCancelled, "decode cancelled");
      const int n_tok = static_cast<int>(std::min<size_t>(n_batch_, n - done));
      float* out = all_logits ? all_logits_.data() + done * n_vocab : nullptr;
      const bool last = done + n_tok == n;
      forward(tokens + done, n_tok, all_logits, out ? out : (last ? logits_.data() : nullptr));
      done += n_tok;
    }
    // A cancel that arrived during the last micro-batch still cancels this call.
    if (!scope.complete()) fail(Status::kCancelled, "decode cancelled");
  } catch (...) {
    n_past_ = start;  // a failed decode leaves the sequence as it was
    has_logits_ = false;
    throw;
  }
  if (all_logits) std::copy(all_logits_.end() - n_vocab, all_logits_.end(), logits_.begin());
  has_logits_ = true;
}

const float* Context::logits() const {
  if (!has_logits_) fail(Status::kInvalidArgument, "no logits: nothing has been decoded yet");
  return logits_.data();
}

void Context::truncate(int n_keep) {
  if (n_keep < 0) fail(Status::kInvalidArgument, fmt::format("n_keep {} is negative", n_keep));
  if (n_keep < n_past_) {
    n_past_ = n_keep;
    has_logits_ = false;
  }
}

}  // namespace hearth
