// AArch64 NEON kernels (declarations only: the definitions are compiled with their level's flags,
// and nothing inline here may be instantiated with them). Three levels, each a superset of the
// one before (kernel_table.cpp builds their tables):
//   neon          Advanced SIMD, part of every AArch64 core (namespace neon, *_neon.cpp)
//   neon-dotprod  + sdot (Armv8.2 DotProd: Cortex-A76/A55, Neoverse N1, Apple M1; *_dotprod.cpp)
//   neon-i8mm     + smmla (Armv8.6 I8MM: Neoverse V1/N2, Cortex-X2, Apple M2; *_i8mm.cpp)
// The designs are those of the x86 kernels (src/kernels/avx2/): weight rows in vector lanes (4
// per 128-bit vector), activations prepared once per matmul, every weight block read once per
// batch, and the R16 layout (kernels/packed_rows.hpp) that the loader writes for Q8_0 / Q4_0.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.hpp"

namespace hearth::kernels::neon {

float dot_f32(const void* w, const void* x, int64_t n);
float dot_f16(const void* w, const void* x, int64_t n);
float dot_bf16(const void* w, const void* x, int64_t n);
// Q8_0 / Q4_0 / Q4_K / Q6_K: the exact integers of each block, scaled and summed in the scalar
// kernels' float order: bit-identical to them.
float dot_q8_0(const void* w, const void* x, int64_t n);
float dot_q4_0(const void* w, const void* x, int64_t n);
float dot_q4_k(const void* w, const void* x, int64_t n);
float dot_q6_k(const void* w, const void* x, int64_t n);

// Bit-identical to the scalar converters.
void convert_f16(const float* x, void* dst, int64_t n);
void convert_bf16(const float* x, void* dst, int64_t n);
void quantize_q8_0_act(const float* x, void* dst, int64_t n);

float dot_f32_f16(const float* x, const uint16_t* h, int64_t n);
void axpy_f16(float a, const uint16_t* h, float* y, int64_t n);
void scale_f16(uint16_t* acc, float s, int64_t n);
void axpy_f16_f16(float a, const uint16_t* v, uint16_t* acc, int64_t n);
void block_scores(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n, int hd,
                  float scale, float* st);
void block_accumulate(const float* p, int n_rows, const uint16_t* V, int64_t kv_stride, int n,
                      int hd, const float* ms, const int* n_cells, float* acc);

void exp_f32(const float* x, float* y, int64_t n);

// The embedding models' f32 attention (kernel_table.hpp, AttendF32Fn; attend_f32_neon.cpp): the
// design of the x86 ones, within float rounding of the scalar reference.
void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch);

// Q8_0 / Q4_0 tiled products, row layout (run) and R16 layout (run_packed), 4 rows per vector,
// int8 products by smull + sadalp (gemm_q8_neon.cpp, gemm_q8_tiles_neon.hpp).
extern const GemmKernel kGemmQ8_0;
extern const GemmKernel kGemmQ4_0;
// F32 / F16 / BF16 weights for batches (gemm_float_neon.cpp); decode keeps the dot products.
extern const GemmKernel kGemmF32;
extern const GemmKernel kGemmF16;
extern const GemmKernel kGemmBF16;
// Q4_K / Q6_K batches (gemm_kquant_neon.cpp, gemm_kquant_tiles_neon.hpp): bit-identical to the
// scalar dot products; decode keeps the dot products.
extern const GemmKernel kGemmQ4_K;
extern const GemmKernel kGemmQ6_K;

}  // namespace hearth::kernels::neon

namespace hearth::kernels::neon_dotprod {

float dot_q8_0(const void* w, const void* x, int64_t n);
float dot_q4_0(const void* w, const void* x, int64_t n);
// The same tiles with sdot (gemm_q8_dotprod.cpp): the same bits as the neon ones.
extern const GemmKernel kGemmQ8_0;
extern const GemmKernel kGemmQ4_0;
// Q4_K / Q6_K batches with sdot (gemm_kquant_dotprod.cpp): the same bits as the neon ones.
extern const GemmKernel kGemmQ4_K;
extern const GemmKernel kGemmQ6_K;

}  // namespace hearth::kernels::neon_dotprod

namespace hearth::kernels::neon_i8mm {

// Batches with smmla (2 rows x 2 tokens x 8 bytes per instruction), single tokens with sdot
// (gemm_q8_i8mm.cpp): the same bits as the neon ones.
extern const GemmKernel kGemmQ8_0;
extern const GemmKernel kGemmQ4_0;

}  // namespace hearth::kernels::neon_i8mm
