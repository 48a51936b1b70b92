#include "sampler/sampler_rng.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <random>

#include "sampler/sampler_config.hpp"

namespace hearth {

SamplerRng::SamplerRng(uint64_t seed) : generator_(seed) {}

uint64_t SamplerRng::next_u64() {
  return generator_.next();
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
