// xoshiro256** (Blackman & Vigna) seeded through splitmix64, written from the published
// algorithm descriptions: fixed integer arithmetic, so a seed gives the same stream on every
// platform and compiler. The sampler (src/sampler/sampler_rng) and the synthetic-model
// generator (src/synth) draw from it.
#pragma once

#include <cstdint>

namespace hearth {

// One splitmix64 step: advances x and returns the next output.
uint64_t splitmix64(uint64_t& x);

class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed);
  uint64_t next();

 private:
  uint64_t s_[4];
};

}  // namespace hearth
