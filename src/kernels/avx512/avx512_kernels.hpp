// AVX-512 (F/BW/VL/DQ + VNNI, BF16 where the CPU has it) kernels: declarations only, the
// definitions are compiled with the AVX-512 flags.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_table.hpp"

namespace hearth::kernels::avx512 {

float dot_f32(const void* w, const void* x, int64_t n);
float dot_f16(const void* w, const void* x, int64_t n);
float dot_bf16(const void* w, const void* x, int64_t n);  // needs AVX512_BF16
float dot_q8_0(const void* w, const void* x, int64_t n);
float dot_q4_0(const void* w, const void* x, int64_t n);
// Q4_1 / Q5_0 / Q5_1 / Q5_K with vpdpbusd (dot_q4q5_avx512.cpp; Q5_K bit-identical to scalar).
float dot_q4_1(const void* w, const void* x, int64_t n);
float dot_q5_0(const void* w, const void* x, int64_t n);
float dot_q5_1(const void* w, const void* x, int64_t n);
float dot_q5_k(const void* w, const void* x, int64_t n);

void convert_f16(const float* x, void* dst, int64_t n);
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
void block_softmax(float* st, int n_rows, int n, const int* n_cells, float* M, double* S,
                   float* ms);

bool attend_rows_f16acc(const uint16_t* qh, int n_rows, const KvBlocks& kv, int n_kv, int hd,
                        float scale, float* out);

// VNNI tiled products (several rows x several tokens per microkernel).
// The same products from weights in the R16 layout (gemm_q8_r16_avx512.cpp; GemmKernel::run_packed)
// on activations prepared by kGemmQ8_0 / kGemmQ4_0.prepare.
void run_r16_q8_0(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy);
// The R16 repacking with in-register transposes (pack_r16_avx512.cpp; GemmKernel::pack_r16).
void pack_r16_q8_0(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
                   uint8_t* packed);
void pack_r16_q4_0(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
                   uint8_t* packed);
void run_r16_q4_0(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy);
extern const GemmKernel kGemmQ8_0;
extern const GemmKernel kGemmQ4_0;
// F32 / F16 / BF16 weights for batches (gemm_float_avx512.cpp); decode keeps the dot products.
extern const GemmKernel kGemmF32;
extern const GemmKernel kGemmF16;
extern const GemmKernel kGemmBF16;
// Q4_K / Q6_K weights for batches (gemm_kquant_avx512.cpp), bit-identical to the scalar dots, and
// for every batch size from the R16 layout (run_packed: gemm_kquant_r16_avx512.cpp).
void run_r16_q4_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy);
void run_r16_q6_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy);
// Prompts from the R16 layout (gemm_kquant_avx512.cpp: each row tile copied by plain loads into
// the batch kernel's layout), called by run_r16_q4_k / _q6_k for large batches.
void run_r16_prefill_q4_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                          const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy);
void run_r16_prefill_q6_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                          const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy);
extern const GemmKernel kGemmQ4_K;
extern const GemmKernel kGemmQ6_K;
// Q5_K weights for batches (gemm_kquant_avx512.cpp, bit-identical to the scalar dot); decode keeps
// the dot products. (Q4_1 / Q5_0 / Q5_1 run AVX2's R16 kernels: see kernel_table.cpp.)
extern const GemmKernel kGemmQ5_K;

void exp_f32(const float* x, float* y, int64_t n);

}  // namespace hearth::kernels::avx512
