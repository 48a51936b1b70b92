// Kernel throughput per ISA and weight type: vec_dot over a weight matrix larger than L2
// (GB/s of weight bytes read; decode is bound by this) and the tiled gemm kernels for a
// smollm2-sized projection over a 64-token batch (GOP/s, 2 ops per multiply-add); and the R16
// (repacked) Q8_0 / Q4_0 / Q4_K / Q6_K kernels of the active ISA in decode shapes, 1 and 8 tokens,
// with the weights hot in L2 or streamed from memory (GB/s of weight bytes): the pair tells whether
// decode is bound by the arithmetic or by the memory. AttendRows: the decode attention kernel per
// (query row, KV cell).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"

namespace {

using hearth::DType;

DType act_type(DType w) {
  switch (w) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
      return w;
    case DType::Q8_0:
    case DType::Q4_0:
      return DType::Q8_0;
    default:
      return DType::Q8_K;
  }
}

// A weight matrix quantized from random floats with the reference quantizers.
std::vector<uint8_t> weights(DType type, int64_t n_in, int64_t rows) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<float> row(static_cast<size_t>(n_in));
  const size_t rb = *hearth::row_bytes(type, static_cast<uint64_t>(n_in));
  std::vector<uint8_t> w(rb * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = normal(rng);
    hearth::quantize_row(type, row.data(), w.data() + r * rb, static_cast<size_t>(n_in));
  }
  return w;
}

// n_tok tokens of normal random activations, prepared for gemm kernel g (stride
// g.prepared_bytes(n_in) apart).
std::vector<uint8_t> prepared_tokens(const hearth::kernels::GemmKernel& g, int64_t n_in,
                                     int n_tok) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n_in * n_tok));
  for (auto& v : x) v = normal(rng);
  const size_t stride = g.prepared_bytes(n_in);
  std::vector<uint8_t> prepared(stride * n_tok);
  for (int t = 0; t < n_tok; ++t)
    g.prepare(x.data() + t * n_in, prepared.data() + t * stride, n_in);
  return prepared;
}

void BM_VecDot(benchmark::State& state, hearth::Isa isa, DType type) {
  const hearth::kernels::KernelTable* k = hearth::kernels::kernels_for(isa);
  if (!k) {
    state.SkipWithError("ISA not supported by this CPU");
    return;
  }
  const int64_t n_in = 2048, rows = 4096;  // 2-16 MiB of weights
  const auto w = weights(type, n_in, rows);
  const size_t rb = w.size() / rows;
  const DType at = act_type(type);
  std::vector<float> x(static_cast<size_t>(n_in), 0.5f);
  std::vector<uint8_t> xa(*hearth::row_bytes(at, static_cast<uint64_t>(n_in)));
  k->convert[static_cast<int>(at)](x.data(), xa.data(), n_in);
  const auto dot = k->vec_dot[static_cast<int>(type)];
  float sink = 0;
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; ++r) sink += dot(w.data() + r * rb, xa.data(), n_in);
    benchmark::DoNotOptimize(sink);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * w.size()));
}

void BM_Gemm(benchmark::State& state, hearth::Isa isa, DType type) {
  const hearth::kernels::KernelTable* k = hearth::kernels::kernels_for(isa);
  const hearth::kernels::GemmKernel* g = k ? k->gemm[static_cast<int>(type)] : nullptr;
  if (!g) {
    state.SkipWithError("no tiled kernel for this ISA and type");
    return;
  }
  // smollm2-135m's ffn_up shape; K-quants need whole super-blocks: its ffn_down (1536 in).
  const bool k_quant = hearth::dtype_traits(type).block_elems == 256;
  const int64_t n_in = k_quant ? 1536 : 576, n_out = k_quant ? 576 : 1536;
  const int n_tok = 64;
  const auto w = weights(type, n_in, n_out);
  const auto prepared = prepared_tokens(*g, n_in, n_tok);
  std::vector<float> y(static_cast<size_t>(n_out * n_tok));
  for (auto _ : state) {
    g->run(w.data(), w.size() / n_out, 0, n_out, prepared.data(), n_tok, n_in, y.data(), n_out);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * n_in * n_out * n_tok * state.iterations(),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// R16 (repacked) matmul of n_tok tokens on the active ISA, in qwen2.5-0.5b's shapes: "hot", one
// 896 x 896 weight (0.45 / 0.85 MiB: stays in L2); "cold" (896 in, 4864 out: ffn_up) and
// "colddown" (4864 in, 896 out: ffn_down), 96 MiB of distinct weights in turn (past the L3, in
// ordinary pages like most of a model's repacked weights), as decode walks a model's layers.
void BM_R16(benchmark::State& state, DType type, int n_tok, int64_t n_in, int64_t n_out, bool hot) {
  const auto* g = hearth::kernels::active_kernels().gemm[static_cast<int>(type)];
  if (!g || !g->run_packed) {
    state.SkipWithError("no R16 kernel for this type on this CPU");
    return;
  }
  const auto rows = weights(type, n_in, n_out);
  const size_t rb = rows.size() / n_out, bytes = rows.size();
  const size_t copies = hot ? 1 : (size_t{96} << 20) / bytes + 1;
  std::vector<uint8_t> packed(bytes * copies + 64);
  uint8_t* base = packed.data() + (64 - reinterpret_cast<uintptr_t>(packed.data()) % 64) % 64;
  for (size_t c = 0; c < copies; ++c)
    hearth::kernels::pack_rows16(type, rows.data(), rb, n_in, 0, n_out / 16, base + c * bytes);
  const auto prepared = prepared_tokens(*g, n_in, n_tok);
  std::vector<float> y(static_cast<size_t>(n_out * n_tok));
  size_t c = 0;
  for (auto _ : state) {
    g->run_packed(base + c * bytes, rb, 0, n_out, prepared.data(), n_tok, n_in, y.data(), n_out);
    benchmark::DoNotOptimize(y.data());
    c = c + 1 == copies ? 0 : c + 1;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// The decode attention of one query token (the one-row algorithm with its F16 accumulator:
// KernelTable::attention.attend_rows_f16acc) for `rows` query heads sharing one KV head over
// n_kv cells in the engine's 16-cell blocks (hd 64, 3 KV heads per cell row: smollm2-135m's
// shapes). Reported as ns per (row, cell): the unit the S-sequence decode step pays most for
// on small models. The K/V rows stay in cache here: the engine's figure is higher, as its
// first read of each layer's rows comes from memory.
void BM_AttendRows(benchmark::State& state, int rows, int n_kv) {
  const auto& ktab = hearth::kernels::active_kernels();
  if (!ktab.attention.attend_rows_f16acc) {
    state.SkipWithError("no attend_rows_f16acc on this CPU");
    return;
  }
  constexpr int kHd = 64, kHeadsKv = 3, kBlock = 16;
  const int64_t stride = kHeadsKv * kHd;
  const int n_blocks = (n_kv + kBlock - 1) / kBlock;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint16_t> k(static_cast<size_t>(n_blocks) * kBlock * stride + 64), v(k.size()),
      qh(static_cast<size_t>(rows) * kHd);
  for (auto& x : k) x = hearth::fp32_to_fp16(normal(rng));
  for (auto& x : v) x = hearth::fp32_to_fp16(normal(rng));
  for (auto& x : qh) x = hearth::fp32_to_fp16(normal(rng));
  // Rows on cache lines, as in the engine's pool.
  auto aligned = [](std::vector<uint16_t>& x) {
    return x.data() + (64 - reinterpret_cast<uintptr_t>(x.data()) % 64) % 64 / 2;
  };
  std::vector<const uint16_t*> kb(n_blocks), vb(n_blocks);
  for (int b = 0; b < n_blocks; ++b) {
    kb[b] = aligned(k) + static_cast<size_t>(b) * kBlock * stride;
    vb[b] = aligned(v) + static_cast<size_t>(b) * kBlock * stride;
  }
  hearth::kernels::KvBlocks kv;
  kv.k = kb.data();
  kv.v = vb.data();
  kv.block_tokens = kBlock;
  kv.stride = stride;
  std::vector<float> out(static_cast<size_t>(rows) * kHd);
  for (auto _ : state) {
    ktab.attention.attend_rows_f16acc(qh.data(), rows, kv, n_kv, kHd, 0.125f, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["ns/row-cell"] =
      benchmark::Counter(static_cast<double>(rows) * n_kv * state.iterations(),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void register_all() {
  for (int rows : {1, 3, 4, 8})
    benchmark::RegisterBenchmark(("AttendRows/rows" + std::to_string(rows) + "/cells550").c_str(),
                                 [rows](benchmark::State& s) { BM_AttendRows(s, rows, 550); });
  struct Shape {
    const char* name;
    int64_t n_in, n_out;
    bool hot;
  };
  const Shape shapes[] = {
      {"hot", 896, 896, true}, {"cold", 896, 4864, false}, {"colddown", 4864, 896, false}};
  // K-quants need n_in % 256 == 0: llama3.2-1b's shapes (2048 in, 8192 out: ffn_up).
  const Shape k_shapes[] = {
      {"hot", 1024, 512, true}, {"cold", 2048, 8192, false}, {"colddown", 8192, 2048, false}};
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K})
    for (int n_tok : {1, 8})
      for (const Shape& sh : t == DType::Q4_K || t == DType::Q6_K ? k_shapes : shapes) {
        const std::string name = "R16/" + std::string(hearth::dtype_name(t)) + "/tok" +
                                 std::to_string(n_tok) + "/" + sh.name;
        benchmark::RegisterBenchmark(name.c_str(), [t, n_tok, sh](benchmark::State& s) {
          BM_R16(s, t, n_tok, sh.n_in, sh.n_out, sh.hot);
        });
      }
  const std::pair<hearth::Isa, const char*> isas[] = {{hearth::Isa::kScalar, "scalar"},
                                                      {hearth::Isa::kAvx2, "avx2"},
                                                      {hearth::Isa::kAvxVnni, "avxvnni"},
                                                      {hearth::Isa::kAvx512, "avx512"}};
  const DType types[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0,
                         DType::Q4_0, DType::Q4_K, DType::Q6_K};
  for (const auto& [isa, name] : isas) {
    for (DType t : types) {
      const std::string tn(hearth::dtype_name(t));
      benchmark::RegisterBenchmark(("VecDot/" + std::string(name) + "/" + tn).c_str(),
                                   [isa = isa, t](benchmark::State& s) { BM_VecDot(s, isa, t); });
    }
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::BF16,
                    DType::F32}) {
      const std::string tn(hearth::dtype_name(t));
      benchmark::RegisterBenchmark(("Gemm64/" + std::string(name) + "/" + tn).c_str(),
                                   [isa = isa, t](benchmark::State& s) { BM_Gemm(s, isa, t); });
    }
  }
}

const int registered = (register_all(), 0);

}  // namespace
