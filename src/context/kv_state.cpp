// Context::export_kv / import_kv: copies of the KV rows of positions [0, n), so that a prompt
// cache or a session file can bring back an evaluated prefix without recomputing it.
#include <fmt/format.h>

#include <algorithm>

#include "hearth/context.hpp"
#include "hearth/error.hpp"

namespace hearth {

size_t Context::kv_state_halves(int n) const {
  return static_cast<size_t>(n_layer_) * 2 * static_cast<size_t>(n) * kv_row_halves_;
}

std::vector<uint16_t> Context::export_kv(int n) const {
  if (n < 0 || n > n_past_)
    fail(Status::kInvalidArgument,
         fmt::format("export_kv: {} positions requested, {} are held", n, n_past_));
  const size_t rows = static_cast<size_t>(n) * kv_row_halves_;
  std::vector<uint16_t> state;
  state.reserve(kv_state_halves(n));
  for (int il = 0; il < n_layer_; ++il) {
    state.insert(state.end(), k_rows(il), k_rows(il) + rows);
    state.insert(state.end(), v_rows(il), v_rows(il) + rows);
  }
  return state;
}

void Context::import_kv(const std::vector<uint16_t>& state, int n) {
  if (n < 0) fail(Status::kInvalidArgument, fmt::format("import_kv: n = {} is negative", n));
  if (n > n_ctx_)
    fail(Status::kContextFull,
         fmt::format("import_kv: {} positions do not fit in n_ctx = {}", n, n_ctx_));
  if (state.size() != kv_state_halves(n))
    fail(Status::kInvalidArgument, fmt::format("import_kv: {} values given, {} positions need {}",
                                               state.size(), n, kv_state_halves(n)));
  const size_t rows = static_cast<size_t>(n) * kv_row_halves_;
  kv_reserve(n);
  auto src = state.begin();
  for (int il = 0; il < n_layer_; ++il) {
    std::copy(src, src + rows, k_rows(il));
    src += rows;
    std::copy(src, src + rows, v_rows(il));
    src += rows;
  }
  n_past_ = n;
  has_logits_ = false;
}

}  // namespace hearth
