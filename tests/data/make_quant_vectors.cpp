// Generates ggml_quant_vectors.bin: llama.cpp's own reference (de)quantization results, the
// independent reference test_quant_vectors.cpp compares hearth against. Not part of the build;
// rebuild it against llama.cpp's ggml-base (e.g. the one tools/peer-llamacpp/run.sh installs):
//   g++ -O2 -std=c++17 -I$CACHE/include make_quant_vectors.cpp -o mkvec $BINS/libggml-base.so \
//       -Wl,-rpath,$BINS && ./mkvec ggml_quant_vectors.bin
// Format (little-endian): "HQV1", u32 record count, then records of
//   u32 kind (0 = input floats, 1 = quantize the last input, 2 = dequantize), u32 ggml type,
//   u32 element count, u32 byte count, bytes (kind 0: floats, 1: ggml's blocks, 2: the blocks
//   followed by ggml's floats).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "ggml.h"

// Exported by ggml-base but not declared in ggml.h (the type traits leave from_float_ref unset).
extern "C" void quantize_row_q8_K_ref(const float* x, void* y, int64_t k);

namespace {

std::vector<std::vector<uint8_t>> records;

void add(uint32_t kind, uint32_t type, uint32_t n, const void* data, size_t bytes) {
  std::vector<uint8_t> r(16 + bytes);
  const uint32_t head[4] = {kind, type, n, static_cast<uint32_t>(bytes)};
  std::memcpy(r.data(), head, 16);
  std::memcpy(r.data() + 16, data, bytes);
  records.push_back(std::move(r));
}

// 16 rows of 256 chosen to reach the corner cases of the scale searches.
std::vector<float> make_inputs() {
  constexpr int kRow = 256;
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::vector<float> x(16 * kRow);
  for (int r = 0; r < 16; ++r) {
    float* y = &x[r * kRow];
    for (int i = 0; i < kRow; ++i) {
      float v = 0.f;
      switch (r) {
        case 0:
          v = 0.02f * normal(rng);
          break;
        case 1:
          v = normal(rng);
          break;
        case 2:
          v = uni(rng);
          break;
        case 3:
          v = 0.f;
          break;
        case 4:
          v = 0.5f;
          break;
        case 5:
          v = -3.f;
          break;
        case 6:
          v = 0.55f + 0.45f * uni(rng);
          break;  // all positive
        case 7:
          v = -0.55f + 0.45f * uni(rng);
          break;  // all negative
        case 8:
          v = 0.25f * static_cast<float>(static_cast<int>(rng() % 16) - 8);
          break;
        case 9:
          v = normal(rng) * std::exp(20.f * uni(rng));
          break;  // huge dynamic range
        case 10:
          v = 1e-20f * normal(rng);
          break;  // below ggml's epsilon
        case 11:
          v = static_cast<float>(static_cast<int>(rng() % 32) - 16) + 0.5f;
          break;
        case 12:
          v = (i % 37 == 5) ? 100.f : 0.001f * normal(rng);
          break;  // outliers
        case 13:
          v = (rng() % 10 == 0) ? normal(rng) : 0.f;
          break;  // sparse
        case 14:
          v = ggml_fp16_to_fp32(ggml_fp32_to_fp16(0.05f * normal(rng)));
          break;
        default:
          v = 3e4f * normal(rng);
          break;  // near the fp16 range
      }
      y[i] = v;
    }
  }
  return x;
}

// Random blocks of `type` whose fp16/fp32 scale fields hold sane finite values.
std::vector<uint8_t> random_blocks(ggml_type type, int n, std::mt19937& rng) {
  const auto* tt = ggml_get_type_traits(type);
  const size_t nb = n / tt->blck_size, bs = tt->type_size;
  std::vector<uint8_t> b(nb * bs);
  for (auto& c : b) c = static_cast<uint8_t>(rng());
  std::normal_distribution<float> normal(0.f, 0.01f);
  auto set_half = [&](size_t off) {
    const ggml_fp16_t h = ggml_fp32_to_fp16(normal(rng));
    std::memcpy(&b[off], &h, 2);
  };
  std::vector<size_t> halves;  // offsets of fp16 fields within a block
  switch (type) {
    case GGML_TYPE_Q4_0:
    case GGML_TYPE_Q5_0:
    case GGML_TYPE_Q8_0:
      halves = {0};
      break;
    case GGML_TYPE_Q4_1:
    case GGML_TYPE_Q5_1:
    case GGML_TYPE_Q4_K:
    case GGML_TYPE_Q5_K:
      halves = {0, 2};
      break;
    case GGML_TYPE_Q2_K:
      halves = {80, 82};
      break;
    case GGML_TYPE_Q3_K:
      halves = {108};
      break;
    case GGML_TYPE_Q6_K:
      halves = {208};
      break;
    case GGML_TYPE_F16:
      halves = {0};
      break;
    default:
      break;
  }
  for (size_t i = 0; i < nb; ++i) {
    for (size_t off : halves) set_half(i * bs + off);
    if (type == GGML_TYPE_Q8_K) {
      const float d = normal(rng);
      std::memcpy(&b[i * bs], &d, 4);
    }
    if (type == GGML_TYPE_BF16 && (b[i * bs + 1] & 0x7F) == 0x7F)
      b[i * bs + 1] &= 0xBF;  // no NaN/inf
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::vector<float> x = make_inputs();
  const int n = static_cast<int>(x.size());
  add(0, GGML_TYPE_F32, n, x.data(), x.size() * 4);
  for (ggml_type t : {GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0,
                      GGML_TYPE_Q5_1, GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K,
                      GGML_TYPE_Q5_K, GGML_TYPE_Q6_K}) {
    std::vector<uint8_t> out(ggml_row_size(t, n));
    ggml_quantize_chunk(t, x.data(), out.data(), 0, 16, 256, nullptr);  // llama-quantize's path
    add(1, t, n, out.data(), out.size());
  }
  {
    std::vector<uint8_t> out(ggml_row_size(GGML_TYPE_Q8_K, n));
    quantize_row_q8_K_ref(x.data(), out.data(), n);
    add(1, GGML_TYPE_Q8_K, n, out.data(), out.size());
    std::vector<uint8_t> h(2 * n);
    ggml_fp32_to_fp16_row(x.data(), reinterpret_cast<ggml_fp16_t*>(h.data()), n);
    add(1, GGML_TYPE_F16, n, h.data(), h.size());
    ggml_fp32_to_bf16_row_ref(x.data(), reinterpret_cast<ggml_bf16_t*>(h.data()), n);
    add(1, GGML_TYPE_BF16, n, h.data(), h.size());
  }
  std::mt19937 rng(99);
  for (ggml_type t : {GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0,
                      GGML_TYPE_Q5_1, GGML_TYPE_Q8_0, GGML_TYPE_Q2_K, GGML_TYPE_Q3_K,
                      GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K, GGML_TYPE_Q8_K}) {
    const int m = 512;
    const auto* tt = ggml_get_type_traits(t);
    if (!tt->to_float) continue;
    std::vector<uint8_t> b = random_blocks(t, m, rng);
    std::vector<float> f(m);
    tt->to_float(b.data(), f.data(), m);
    std::vector<uint8_t> both(b);
    both.resize(b.size() + 4 * m);
    std::memcpy(both.data() + b.size(), f.data(), 4 * m);
    add(2, t, m, both.data(), both.size());
  }
  FILE* out = std::fopen(argv[1], "wb");
  if (!out) return 1;
  const uint32_t count = static_cast<uint32_t>(records.size());
  std::fwrite("HQV1", 1, 4, out);
  std::fwrite(&count, 4, 1, out);
  for (const auto& r : records) std::fwrite(r.data(), 1, r.size(), out);
  std::fclose(out);
  std::printf("%u records\n", count);
  return 0;
}
