// AVX-VNNI kernels (AVX2 + FMA + F16C + the 256-bit VEX vpdpbusd): declarations only, the
// definitions are compiled with the AVX-VNNI flags. The rest of the avxvnni table is avx2's.
#pragma once

#include "kernels/kernel_table.hpp"

namespace hearth::kernels::avxvnni {

// Q8_0 / Q4_0 tiled products, row layout (run) and R16 layout (run_packed), bit-identical to the
// AVX2 and AVX-512 ones (gemm_q8_avxvnni.cpp).
extern const GemmKernel kGemmQ8_0;
extern const GemmKernel kGemmQ4_0;
// Q4_K / Q6_K batch products with vpdpbusd, bit-identical to the scalar dots
// (gemm_kquant_avxvnni.cpp).
extern const GemmKernel kGemmQ4_K;
extern const GemmKernel kGemmQ6_K;
// Q4_1 / Q5_0 / Q5_1 batch products with vpdpbusd, bit-identical to the AVX2 and AVX-512 ones
// (gemm_q4q5_avxvnni.cpp).
extern const GemmKernel kGemmQ4_1;
extern const GemmKernel kGemmQ5_0;
extern const GemmKernel kGemmQ5_1;
// The same three with run_packed on the R16 layout written at load (gemm_q4q5_avxvnni.cpp).
extern const GemmKernel kGemmQ4_1R16;
extern const GemmKernel kGemmQ5_0R16;
extern const GemmKernel kGemmQ5_1R16;
// Q5_K batch products with vpdpbusd, bit-identical to the scalar dot (gemm_kquant_avxvnni.cpp).
extern const GemmKernel kGemmQ5_K;

}  // namespace hearth::kernels::avxvnni
