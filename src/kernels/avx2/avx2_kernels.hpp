// AVX2 + FMA + F16C kernels (declarations only: the definitions are compiled with the AVX2
// flags, and nothing inline here may be instantiated with them).
#pragma once

#include <cstdint>

#include "kernels/kernel_table.hpp"

namespace hearth::kernels::avx2 {

float dot_f32(const void* w, const void* x, int64_t n);
float dot_f16(const void* w, const void* x, int64_t n);
float dot_bf16(const void* w, const void* x, int64_t n);
float dot_q8_0(const void* w, const void* x, int64_t n);
float dot_q4_0(const void* w, const void* x, int64_t n);
float dot_q4_k(const void* w, const void* x, int64_t n);
float dot_q6_k(const void* w, const void* x, int64_t n);
// Q4_1 / Q5_0 / Q5_1 / Q5_K (dot_q4q5_avx2.cpp; Q5_K bit-identical to the scalar dot).
float dot_q4_1(const void* w, const void* x, int64_t n);
float dot_q5_0(const void* w, const void* x, int64_t n);
float dot_q5_1(const void* w, const void* x, int64_t n);
float dot_q5_k(const void* w, const void* x, int64_t n);
// Q2_K / Q3_K (dot_k23_avx2.cpp), bit-identical to the scalar dots.
float dot_q2_k(const void* w, const void* x, int64_t n);
float dot_q3_k(const void* w, const void* x, int64_t n);

void convert_f16(const float* x, void* dst, int64_t n);
void convert_bf16(const float* x, void* dst, int64_t n);
void quantize_q8_0_act(const float* x, void* dst, int64_t n);

float dot_f32_f16(const float* x, const uint16_t* h, int64_t n);
void axpy_f16(float a, const uint16_t* h, float* y, int64_t n);
void scale_f16(uint16_t* acc, float s, int64_t n);
void axpy_f16_f16(float a, const uint16_t* v, uint16_t* acc, int64_t n);

// The tiled attention's block kernels (kernel_table.hpp, AttentionKernels).
void block_scores(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n, int hd,
                  float scale, float* st);
void block_accumulate(const float* p, int n_rows, const uint16_t* V, int64_t kv_stride, int n,
                      int hd, const float* ms, const int* n_cells, float* acc);

void exp_f32(const float* x, float* y, int64_t n);

// Q8_0 / Q4_0 tiled products, row layout (run) and R16 layout (run_packed): 8 rows per vector
// (gemm_q8_avx2.cpp, gemm_q8_tiles_avx2.hpp).
extern const GemmKernel kGemmQ8_0;
extern const GemmKernel kGemmQ4_0;
// F32 / F16 / BF16 weights for batches (gemm_float_avx2.cpp); decode keeps the dot products.
extern const GemmKernel kGemmF32;
extern const GemmKernel kGemmF16;
extern const GemmKernel kGemmBF16;
// Q4_K / Q6_K weights for batches (gemm_kquant_avx2.cpp), bit-identical to the scalar dots.
extern const GemmKernel kGemmQ4_K;
extern const GemmKernel kGemmQ6_K;
// Q4_1 / Q5_0 / Q5_1 weights for batches (gemm_q4q5_avx2.cpp, gemm_q4q5_tiles_avx2.hpp).
extern const GemmKernel kGemmQ4_1;
extern const GemmKernel kGemmQ5_0;
extern const GemmKernel kGemmQ5_1;
// The same three with run_packed on the R16 layout written at load (gemm_q4q5_avx2.cpp):
// decode and batches from the repacked weights, the bits of the batch kernels above.
extern const GemmKernel kGemmQ4_1R16;
extern const GemmKernel kGemmQ5_0R16;
extern const GemmKernel kGemmQ5_1R16;
// Q5_K weights for batches (gemm_kquant_avx2.cpp: Q4_K's tiles with the fifth bit joined at
// packing), bit-identical to the scalar dot.
extern const GemmKernel kGemmQ5_K;

}  // namespace hearth::kernels::avx2
