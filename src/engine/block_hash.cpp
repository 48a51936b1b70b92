#include "engine/block_hash.hpp"

namespace hearth::engine {
namespace {

// FNV-1a 64 over bytes, then a murmur-style finalizer so nearby inputs spread over the table.
uint64_t fnv(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

}  // namespace

uint64_t tenant_seed(std::string_view tenant) {
  const uint64_t n = tenant.size();
  return mix(fnv(fnv(0xcbf29ce484222325ull, &n, sizeof n), tenant.data(), tenant.size()));
}

uint64_t chain_hash(uint64_t parent, const int32_t* tokens, uint16_t tiled_mask) {
  uint64_t h = fnv(0xcbf29ce484222325ull, &parent, sizeof parent);
  h = fnv(h, tokens, sizeof(int32_t) * kBlockTokens);
  return mix(fnv(h, &tiled_mask, sizeof tiled_mask));
}

}  // namespace hearth::engine
