// SamplerRng — the sampler's random source: xoshiro256** seeded through splitmix64.
//
// Why our own: std::uniform_real_distribution and friends are implementation-defined, so the
// same seed could give other tokens with another standard library. Every step here is fixed
// integer arithmetic, so a seed reproduces the same draws on every platform and compiler.
#pragma once

#include <cstdint>

#include "core/xoshiro.hpp"

namespace hearth {

class SamplerRng {
 public:
  // kRandomSeed (all ones) is not special here: Sampler resolves it (random_seed()) first.
  explicit SamplerRng(uint64_t seed);

  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits: the top 53 bits of next_u64() times 2^-53.
  double next_unit();

 private:
  Xoshiro256 generator_;
};

// A fresh seed from std::random_device mixed with the clock (never kRandomSeed itself).
uint64_t random_seed();

}  // namespace hearth
