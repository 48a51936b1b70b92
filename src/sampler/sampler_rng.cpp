// xoshiro256** (Blackman & Vigna) with splitmix64 state expansion, written from the published
// algorithm descriptions.
#include "sampler/sampler_rng.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <random>

#include "sampler/sampler_config.hpp"

namespace hearth {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

SamplerRng::SamplerRng(uint64_t seed) {
  // splitmix64 never yields an all-zero state from consecutive outputs, which xoshiro forbids.
  for (uint64_t& s : s_) s = splitmix64(seed);
}

uint64_t SamplerRng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double SamplerRng::next_unit() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

uint64_t random_seed() {
  uint64_t x = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    std::random_device device;
    x ^= (static_cast<uint64_t>(device()) << 32) ^ device();
  } catch (const std::exception&) {
    // No entropy source: the clock and the call counter below still differ per call.
  }
  static std::atomic<uint64_t> calls{0};
  x += calls.fetch_add(1) * 0xD1B54A32D192ED03ull;
  const uint64_t seed = splitmix64(x);
  return seed == kRandomSeed ? 0 : seed;
}

}  // namespace hearth
