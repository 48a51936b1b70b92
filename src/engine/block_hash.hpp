// The identity of a full KV block for prefix sharing: a chained hash over the block's tokens,
// so equal hashes mean equal whole prefixes, not just equal blocks.
#pragma once

#include <cstdint>
#include <string_view>

namespace hearth::engine {

constexpr int kBlockTokens = 16;  // tokens per KV block

// The chain's start for a cache-isolation key (tenant): different tenants start different
// chains, so one never finds another's blocks.
uint64_t tenant_seed(std::string_view tenant);

// hash(previous block's hash, this block's kBlockTokens tokens, which attention algorithm each
// token was evaluated with). The algorithm is part of the identity because it changes the
// K/V bits of the later layers: a block is reused only where recomputing would give the same.
uint64_t chain_hash(uint64_t parent, const int32_t* tokens, uint16_t tiled_mask);

}  // namespace hearth::engine
