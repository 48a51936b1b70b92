// Encrypted session files (src/crypto/): sealing and opening 100 MB in memory, so the figure
// is the cipher's and not the disk's. Target (issue 17): >= 1 GB/s for encrypt + decrypt with
// AES-NI. bytes_per_second counts the plaintext once per direction.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "crypto/file_key.hpp"
#include "crypto/sealed_file.hpp"

namespace {

constexpr size_t kBytes = size_t{100} << 20;

hearth::crypto::FileKey bench_key() {
  uint8_t k[32] = {1, 2, 3};
  return hearth::crypto::FileKey::from_bytes(k, sizeof k);
}

void BM_SealOpen100MB(benchmark::State& state) {
  const auto key = bench_key();
  std::vector<uint8_t> plain(kBytes, 0x5a);
  std::vector<uint8_t> sealed;
  sealed.reserve(kBytes + (kBytes >> 10) + 4096);
  std::vector<uint8_t> back;
  back.reserve(kBytes);
  for (auto _ : state) {
    sealed.clear();
    hearth::crypto::SealedWriter w(key, [&](const void* p, size_t n) {
      const auto* b = static_cast<const uint8_t*>(p);
      sealed.insert(sealed.end(), b, b + n);
    });
    w.write(plain.data(), plain.size());
    w.finish();
    back.clear();
    size_t pos = 0;
    hearth::crypto::open_sealed(
        key,
        [&](void* p, size_t n) {
          n = std::min(n, sealed.size() - pos);
          std::memcpy(p, sealed.data() + pos, n);
          pos += n;
          return n;
        },
        [&](const uint8_t* p, size_t n) { back.insert(back.end(), p, p + n); }, "bench");
    benchmark::DoNotOptimize(back.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * kBytes));
}
BENCHMARK(BM_SealOpen100MB)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
