// The CPU kernel dispatch table: one set of function pointers per ISA level (scalar, avx2,
// avxvnni, avx512), chosen once from CPUID through active_isa(). Each ISA's implementations live in
// src/kernels/<isa>/ in their own namespace (hearth::kernels::<isa>) and are compiled with that
// ISA's flags only; this header and kernel_table.cpp are portable code.
//
// Numerics: every quantized dot product sums integers exactly per block and then scales by the
// block scales in float, like llama.cpp; the ISAs differ only in the order of the float sums.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/cpu.hpp"
#include "hearth/dtype.hpp"

namespace hearth::kernels {

// DType values are GGUF ids, all below this bound: tables are indexed by the id directly.
constexpr int kTypeSlots = 32;

// Dot product of one weight row (n elements of the weight type) with one activation row
// already converted to that type's vec_dot type.
using VecDotFn = float (*)(const void* w, const void* act, int64_t n);
// Converts n floats (n a multiple of the block size) to an activation type.
using ConvertFn = void (*)(const float* x, void* dst, int64_t n);
// y[i] = exp(x[i]) for i < n (in place allowed); scalar: expf, SIMD: within ~1 ulp of it.
using ExpFn = void (*)(const float* x, float* y, int64_t n);

// A tiled matrix product for one weight type: activations are prepared once per matmul (in a
// layout private to the kernel), then each thread runs rows [r0, r1) against all tokens, so a
// weight block loaded from memory is reused across several tokens.
struct GemmKernel {
  // Bytes of one prepared activation row of n_in elements (a multiple of 64).
  size_t (*prepared_bytes)(int64_t n_in);
  // x: [n_in] floats -> one prepared row.
  void (*prepare)(const float* x, void* dst, int64_t n_in);
  // W rows r0..r1-1 (w_stride bytes apart) times act: [n_tok][prepared_bytes] ->
  // y[t * ldy + r] for every token t and row r.
  void (*run)(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act,
              int n_tok, int64_t n_in, float* y, int64_t ldy);
  // matmul uses the kernel for batches of at least this many tokens (fewer: the dot products,
  // e.g. where decode is bound by reading the weights and packing them would only add work),
  // and only when n_in is a multiple of 32.
  int min_tokens = 1;
  // Optional: the same product from weights in the R16 layout (kernels/packed_rows.hpp), which
  // the model loader then writes at load for this type (packable_rows16). packed: the whole
  // weight's R16 buffer, row_bytes its file row size; r0 and r1 are multiples of 16. Used for
  // every batch size (no min_tokens); per (row, token) the same bits as run.
  void (*run_packed)(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                     const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) = nullptr;
  // Optional: a faster pack_rows16 for this type (the same bytes; the loader uses it if set).
  void (*pack_r16)(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
                   uint8_t* packed) = nullptr;
};

// Attention over the F16 KV cache (src/context/attention.cpp), n = head dimension.
constexpr int kAttentionRowAlign = 16;  // n_rows of the block kernels is a multiple of this

// One sequence's K/V cells as a block table, so that attention reads the engine's paged pool
// in place (no per-step copy of the sequence): cell j's K row is
// k[j / block_tokens] + (j % block_tokens) * stride + offset (V alike). Blocks may lie anywhere
// and in any order; the last may be partly filled. A contiguous cache is one block of at least
// n_kv cells. offset selects the KV head (the same tables serve every head).
struct KvBlocks {
  const uint16_t* const* k = nullptr;
  const uint16_t* const* v = nullptr;
  int block_tokens = 0;  // cells per block (> 0)
  int64_t stride = 0;    // halves between two cells' rows in a block
  int64_t offset = 0;    // halves from a cell's row start to its KV head

  const uint16_t* k_row(int j) const { return k[j / block_tokens] + row_at(j); }
  const uint16_t* v_row(int j) const { return v[j / block_tokens] + row_at(j); }
  int64_t row_at(int j) const { return (j % block_tokens) * stride + offset; }
};

struct AttentionKernels {
  // sum of x[i] * h[i] (the tiled algorithm's q . k; scalar: one fma chain in index order).
  float (*dot_f32_f16)(const float* x, const uint16_t* h, int64_t n);
  // y[i] = fma(a, h[i], y[i]): vectorized over i, so every y[i] sees the same operations as in
  // scalar code (bit-identical).
  void (*axpy_f16)(float a, const uint16_t* h, float* y, int64_t n);
  // F16 accumulator updates of the one-row algorithm: acc = f16(acc * s), acc = f16(acc + a*v)
  // (scalar: multiply then add; SIMD: fused, as llama.cpp's SIMD builds do).
  void (*scale_f16)(uint16_t* acc, float s, int64_t n);
  void (*axpy_f16_f16)(float a, const uint16_t* v, uint16_t* acc, int64_t n);
  // The tiled algorithm (forward.cpp) runs a block of query rows (the heads of one GQA group
  // times several tokens) against each KV tile of n <= 64 cells at once, so each K/V row is
  // loaded and converted once per block rather than once per query row. Rows are vectorized:
  // n_rows is a multiple of kAttentionRowAlign (padding rows: zero q, no visible cells).
  // Per (row, cell) the operations are those of the scalar dot_f32_f16 and axpy_f16 (one fma
  // chain in index order), on every ISA: a row's result does not depend on its block.
  //   scores: st[j * n_rows + r] = (sum over i of qt[i * n_rows + r] * K[j][i]) * scale,
  //           qt: [hd][n_rows] (the block's q rows transposed), K: cells kv_stride apart.
  void (*block_scores)(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n,
                       int hd, float scale, float* st);
  //   accumulate: acc[r][:] *= ms[r], then acc[r][i] = fma(p[j * n_rows + r], V[j][i],
  //           acc[r][i]) for j = 0..n_cells[r]-1 in order (n_cells[r] <= n); acc: [n_rows][hd].
  void (*block_accumulate)(const float* p, int n_rows, const uint16_t* V, int64_t kv_stride, int n,
                           int hd, const float* ms, const int* n_cells, float* acc);
  // Optional (null: forward.cpp's portable loops, tile_softmax): the softmax step between the
  // two, for the rows of st [n][n_rows] (scores in, weights out, zero past n_cells[r]): per row
  // M_new = max(M, visible max), ms = exp(M - M_new), s = exp_f32(s - M_new), the tile sum in
  // double over four chains by j % 4 (the cells past the last multiple of 4 on chain 0), S = S *
  // ms + sum; rows with no visible cell are left alone (ms = 1). M, S, ms: [n_rows].
  void (*block_softmax)(float* st, int n_rows, int n, const int* n_cells, float* M, double* S,
                        float* ms);
  // Optional: the whole one-row (F16 accumulator) algorithm for n_rows query rows qh (already
  // F16, [n_rows][hd]) that share K/V (the query heads of one KV head), over cells 0..n_kv-1 of
  // the block table kv, the accumulators kept in registers; per row the same operations as the
  // loop over vec_dot[F16] / exp_f32 / scale_f16 / axpy_f16_f16 of the same table
  // (bit-identical, whatever the blocks). out: [n_rows][hd]. False: hd not handled (use the loop).
  bool (*attend_rows_f16acc)(const uint16_t* qh, int n_rows, const KvBlocks& kv, int n_kv, int hd,
                             float scale, float* out);
};

// The f32 self-attention of one head over one text, for the embedding models (no KV cache;
// src/embed/packed_attention.cpp): q, k, v rows of the n tokens are q_stride / kv_stride floats
// apart, out rows out_stride apart, hd floats each. For every row i,
//   out[i] = sum_j p_ij v_j,  p_i = softmax over j of (scale * q_i . k_j),
// j over all n tokens, or j <= i when causal. scratch: attend_f32_scratch_floats(n, hd) floats,
// 64-byte aligned. The scalar kernel is the reference (dot in index order, expf, double sum);
// the SIMD ones differ from it only by float rounding (tests/test_attend_f32.cpp).
using AttendF32Fn = void (*)(const float* q, int64_t q_stride, const float* k, const float* v,
                             int64_t kv_stride, int n, int hd, float scale, bool causal, float* out,
                             int64_t out_stride, float* scratch);
constexpr size_t attend_f32_scratch_floats(int n, int hd) {
  return static_cast<size_t>(hd + 4) * static_cast<size_t>((n + 15) / 16 * 16);
}

struct KernelTable {
  Isa isa;
  const char* summary;                 // which kernels this table brings, for system_info
  VecDotFn vec_dot[kTypeSlots];        // by weight type; null: no dot product for that type
  ConvertFn convert[kTypeSlots];       // by activation type (F32, F16, BF16, Q8_0, Q8_1, Q8_K)
  const GemmKernel* gemm[kTypeSlots];  // by weight type; null: matmul loops over vec_dot
  AttentionKernels attention;
  ExpFn exp_f32;  // the softmax and SiLU exponentials (llama.cpp's CPU backend vectorizes them too)
  AttendF32Fn attend_f32;  // the embedding models' attention (AttendF32Fn)
};

// A per-thread scratch buffer of at least `bytes`, 64-byte aligned, kept for the thread's next
// calls (the matmul kernels pack weight rows into it). Portable code, so that no allocation code
// is compiled with ISA flags; throws std::bad_alloc when memory runs out.
uint8_t* kernel_scratch(size_t bytes);

// The table of active_isa(), built on first use.
const KernelTable& active_kernels();
// The table of one level, or nullptr when this CPU cannot run it (used by the kernel tests).
const KernelTable* kernels_for(Isa isa);

}  // namespace hearth::kernels
