// Builds the per-ISA tables. Portable code: it only takes the addresses of the ISA kernels,
// which run only after CPUID (x86) or HWCAP (ARM) said the CPU has the ISA. A build has the
// kernels of its own architecture: the x86 tables on x86-64, the NEON ones on AArch64.
#include "kernels/kernel_table.hpp"

#include <vector>

#if defined(__x86_64__)
#define HEARTH_KERNELS_X86 1
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avxvnni/avxvnni_kernels.hpp"
#elif defined(__aarch64__)
#define HEARTH_KERNELS_NEON 1
#include "kernels/neon/neon_kernels.hpp"
#endif
#include "kernels/attend_f32.hpp"
#include "kernels/scalar/scalar_k23.hpp"
#include "kernels/scalar/scalar_kernels.hpp"
#include "platform/per_thread.hpp"

namespace hearth::kernels {
namespace {

constexpr int at(DType t) {
  return static_cast<int>(t);
}

KernelTable scalar_table() {
  KernelTable k{};
  k.isa = Isa::kScalar;
  k.summary = "scalar reference kernels";
  k.vec_dot[at(DType::F32)] = scalar::dot_f32;
  k.vec_dot[at(DType::F16)] = scalar::dot_f16;
  k.vec_dot[at(DType::BF16)] = scalar::dot_bf16;
  k.vec_dot[at(DType::Q8_0)] = scalar::dot_q8_0;
  k.vec_dot[at(DType::Q4_0)] = scalar::dot_q4_0;
  k.vec_dot[at(DType::Q4_1)] = scalar::dot_q4_1;
  k.vec_dot[at(DType::Q5_0)] = scalar::dot_q5_0;
  k.vec_dot[at(DType::Q5_1)] = scalar::dot_q5_1;
  k.vec_dot[at(DType::Q4_K)] = scalar::dot_q4_k;
  k.vec_dot[at(DType::Q5_K)] = scalar::dot_q5_k;
  k.vec_dot[at(DType::Q6_K)] = scalar::dot_q6_k;
  k.vec_dot[at(DType::Q2_K)] = scalar::dot_q2_k;  // SIMD: x86 (avx2), not yet NEON
  k.vec_dot[at(DType::Q3_K)] = scalar::dot_q3_k;
  k.convert[at(DType::F32)] = scalar::convert_f32;
  k.convert[at(DType::F16)] = scalar::convert_f16;
  k.convert[at(DType::BF16)] = scalar::convert_bf16;
  k.convert[at(DType::Q8_0)] = scalar::quantize_q8_0_act;
  k.convert[at(DType::Q8_1)] = scalar::quantize_q8_1_act;
  k.convert[at(DType::Q8_K)] = scalar::quantize_q8_k_act;
  k.attention = {
      scalar::dot_f32_f16,  scalar::axpy_f16,         scalar::scale_f16, scalar::axpy_f16_f16,
      scalar::block_scores, scalar::block_accumulate, nullptr,           nullptr};
  k.exp_f32 = scalar::exp_f32;
  k.attend_f32 = scalar::attend_f32;
  return k;
}

#if HEARTH_KERNELS_X86
// AVX2 replaces the common types; the Q8_1/Q8_K quantizers stay scalar.
KernelTable avx2_table() {
  KernelTable k = scalar_table();
  k.isa = Isa::kAvx2;
  k.summary =
      "avx2: q8_0/q4_0/q4_1/q5_0/q5_1/f32/f16/bf16/q4_k/q5_k/q6_k gemm, f32 f16 bf16 q8_0 q4_0 "
      "q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k dots, q8_0/f16/bf16 converters, f16 attention";
  k.vec_dot[at(DType::F32)] = avx2::dot_f32;
  k.vec_dot[at(DType::F16)] = avx2::dot_f16;
  k.vec_dot[at(DType::BF16)] = avx2::dot_bf16;
  k.vec_dot[at(DType::Q8_0)] = avx2::dot_q8_0;
  k.vec_dot[at(DType::Q4_0)] = avx2::dot_q4_0;
  k.vec_dot[at(DType::Q4_K)] = avx2::dot_q4_k;
  k.vec_dot[at(DType::Q6_K)] = avx2::dot_q6_k;
  k.vec_dot[at(DType::Q4_1)] = avx2::dot_q4_1;
  k.vec_dot[at(DType::Q5_0)] = avx2::dot_q5_0;
  k.vec_dot[at(DType::Q5_1)] = avx2::dot_q5_1;
  k.vec_dot[at(DType::Q5_K)] = avx2::dot_q5_k;
  k.vec_dot[at(DType::Q2_K)] = avx2::dot_q2_k;
  k.vec_dot[at(DType::Q3_K)] = avx2::dot_q3_k;
  k.convert[at(DType::F16)] = avx2::convert_f16;
  k.convert[at(DType::BF16)] = avx2::convert_bf16;
  k.convert[at(DType::Q8_0)] = avx2::quantize_q8_0_act;
  k.gemm[at(DType::Q8_0)] = &avx2::kGemmQ8_0;
  k.gemm[at(DType::Q4_0)] = &avx2::kGemmQ4_0;
  k.gemm[at(DType::F32)] = &avx2::kGemmF32;
  k.gemm[at(DType::F16)] = &avx2::kGemmF16;
  k.gemm[at(DType::BF16)] = &avx2::kGemmBF16;
  k.gemm[at(DType::Q4_K)] = &avx2::kGemmQ4_K;
  k.gemm[at(DType::Q6_K)] = &avx2::kGemmQ6_K;
  k.gemm[at(DType::Q4_1)] = &avx2::kGemmQ4_1R16;  // + run_packed (R16 layout)
  k.gemm[at(DType::Q5_0)] = &avx2::kGemmQ5_0R16;
  k.gemm[at(DType::Q5_1)] = &avx2::kGemmQ5_1R16;
  k.gemm[at(DType::Q5_K)] = &avx2::kGemmQ5_K;
  k.attention.dot_f32_f16 = avx2::dot_f32_f16;
  k.attention.axpy_f16 = avx2::axpy_f16;
  k.attention.scale_f16 = avx2::scale_f16;
  k.attention.axpy_f16_f16 = avx2::axpy_f16_f16;
  k.attention.block_scores = avx2::block_scores;
  k.attention.block_accumulate = avx2::block_accumulate;
  k.exp_f32 = avx2::exp_f32;
  k.attend_f32 = avx2::attend_f32;
  return k;
}

// AVX-VNNI on top of AVX2: the Q8_0/Q4_0/Q4_K/Q6_K gemms with the 256-bit vpdpbusd.
KernelTable avxvnni_table() {
  KernelTable k = avx2_table();
  k.isa = Isa::kAvxVnni;
  k.summary =
      "avxvnni: VNNI q8_0/q4_0/q4_1/q5_0/q5_1/q4_k/q5_k/q6_k gemm; avx2: f32/f16/bf16 gemm, f32 "
      "f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k dots, q8_0/f16/bf16 converters, "
      "f16 attention";
  k.gemm[at(DType::Q8_0)] = &avxvnni::kGemmQ8_0;
  k.gemm[at(DType::Q4_0)] = &avxvnni::kGemmQ4_0;
  k.gemm[at(DType::Q4_K)] = &avxvnni::kGemmQ4_K;
  k.gemm[at(DType::Q6_K)] = &avxvnni::kGemmQ6_K;
  k.gemm[at(DType::Q4_1)] = &avxvnni::kGemmQ4_1R16;  // + run_packed (R16 layout)
  k.gemm[at(DType::Q5_0)] = &avxvnni::kGemmQ5_0R16;
  k.gemm[at(DType::Q5_1)] = &avxvnni::kGemmQ5_1R16;
  k.gemm[at(DType::Q5_K)] = &avxvnni::kGemmQ5_K;
  return k;
}

// AVX-512 on top of AVX2 (the K-quant dots stay AVX2): VNNI int8 tiles for q8_0/q4_0.
KernelTable avx512_table() {
  KernelTable k = avx2_table();
  k.isa = Isa::kAvx512;
  const bool bf16 = cpu_features().avx512bf16;
  k.summary =
      bf16 ? "avx512: VNNI q8_0/q4_0/q4_k/q6_k gemm, f32/f16/bf16/q5_k batch gemm, f32 f16 "
             "bf16(dpbf16) q4_1 q5_0 q5_1 q5_k dots, f16 attention; avx2: q4_1/q5_0/q5_1 gemm, "
             "q2_k q3_k q4_k q6_k dots"
           : "avx512: VNNI q8_0/q4_0/q4_k/q6_k gemm, f32/f16/bf16/q5_k batch gemm, f32 f16 q4_1 "
             "q5_0 q5_1 q5_k dots, f16 attention; avx2: q4_1/q5_0/q5_1 gemm, bf16 q2_k q3_k q4_k "
             "q6_k dots";
  k.vec_dot[at(DType::F32)] = avx512::dot_f32;
  k.vec_dot[at(DType::F16)] = avx512::dot_f16;
  if (bf16) k.vec_dot[at(DType::BF16)] = avx512::dot_bf16;
  k.vec_dot[at(DType::Q8_0)] = avx512::dot_q8_0;
  k.vec_dot[at(DType::Q4_0)] = avx512::dot_q4_0;
  k.vec_dot[at(DType::Q4_1)] = avx512::dot_q4_1;
  k.vec_dot[at(DType::Q5_0)] = avx512::dot_q5_0;
  k.vec_dot[at(DType::Q5_1)] = avx512::dot_q5_1;
  k.vec_dot[at(DType::Q5_K)] = avx512::dot_q5_k;
  k.convert[at(DType::F16)] = avx512::convert_f16;
  k.convert[at(DType::Q8_0)] = avx512::quantize_q8_0_act;
  k.gemm[at(DType::Q8_0)] = &avx512::kGemmQ8_0;
  k.gemm[at(DType::Q4_0)] = &avx512::kGemmQ4_0;
  k.gemm[at(DType::F32)] = &avx512::kGemmF32;
  k.gemm[at(DType::F16)] = &avx512::kGemmF16;
  k.gemm[at(DType::BF16)] = &avx512::kGemmBF16;
  k.gemm[at(DType::Q4_K)] = &avx512::kGemmQ4_K;  // + run_packed (R16 layout)
  k.gemm[at(DType::Q6_K)] = &avx512::kGemmQ6_K;
  // Q4_1 / Q5_0 / Q5_1: AVX2's kernels on the R16 layout, which decode a token alone with the
  // bits it gets in a batch. The 512-bit row-layout batch gemms these types had summed in another
  // order than the 512-bit dot products that decoding alone used, so a sequence's logits depended
  // on what else the engine batched with it; they were removed. A 512-bit kernel on the R16
  // layout would bring prefill back (Q4_1 pp512 on qwen2.5-0.5b: 788 tok/s with them, 362 now).
  k.gemm[at(DType::Q4_1)] = &avx2::kGemmQ4_1R16;
  k.gemm[at(DType::Q5_0)] = &avx2::kGemmQ5_0R16;
  k.gemm[at(DType::Q5_1)] = &avx2::kGemmQ5_1R16;
  k.gemm[at(DType::Q5_K)] = &avx512::kGemmQ5_K;
  k.attention = {avx512::dot_f32_f16,   avx512::axpy_f16,          avx512::scale_f16,
                 avx512::axpy_f16_f16,  avx512::block_scores,      avx512::block_accumulate,
                 avx512::block_softmax, avx512::attend_rows_f16acc};
  k.exp_f32 = avx512::exp_f32;
  k.attend_f32 = avx512::attend_f32;
  return k;
}

#endif  // HEARTH_KERNELS_X86

#if HEARTH_KERNELS_NEON
// NEON replaces the types of the x86 tables (Q4_1/Q5_0/Q5_1/Q5_K and the Q8_1/Q8_K quantizers
// stay scalar). Without DotProd the int8 products go through smull / sadalp.
KernelTable neon_table() {
  KernelTable k = scalar_table();
  k.isa = Isa::kNeon;
  k.summary =
      "neon: q8_0/q4_0/f32/f16/bf16/q4_k/q6_k gemm, f32 f16 bf16 q8_0 q4_0 q4_k q6_k dots, "
      "q8_0/f16/bf16 converters, f16 attention, f32 attention";
  k.vec_dot[at(DType::F32)] = neon::dot_f32;
  k.vec_dot[at(DType::F16)] = neon::dot_f16;
  k.vec_dot[at(DType::BF16)] = neon::dot_bf16;
  k.vec_dot[at(DType::Q8_0)] = neon::dot_q8_0;
  k.vec_dot[at(DType::Q4_0)] = neon::dot_q4_0;
  k.vec_dot[at(DType::Q4_K)] = neon::dot_q4_k;
  k.vec_dot[at(DType::Q6_K)] = neon::dot_q6_k;
  k.convert[at(DType::F16)] = neon::convert_f16;
  k.convert[at(DType::BF16)] = neon::convert_bf16;
  k.convert[at(DType::Q8_0)] = neon::quantize_q8_0_act;
  k.gemm[at(DType::Q8_0)] = &neon::kGemmQ8_0;
  k.gemm[at(DType::Q4_0)] = &neon::kGemmQ4_0;
  k.gemm[at(DType::F32)] = &neon::kGemmF32;
  k.gemm[at(DType::F16)] = &neon::kGemmF16;
  k.gemm[at(DType::BF16)] = &neon::kGemmBF16;
  k.gemm[at(DType::Q4_K)] = &neon::kGemmQ4_K;
  k.gemm[at(DType::Q6_K)] = &neon::kGemmQ6_K;
  k.attention.dot_f32_f16 = neon::dot_f32_f16;
  k.attention.axpy_f16 = neon::axpy_f16;
  k.attention.scale_f16 = neon::scale_f16;
  k.attention.axpy_f16_f16 = neon::axpy_f16_f16;
  k.attention.block_scores = neon::block_scores;
  k.attention.block_accumulate = neon::block_accumulate;
  k.exp_f32 = neon::exp_f32;
  k.attend_f32 = neon::attend_f32;
  return k;
}

// DotProd on top of NEON: sdot for the Q8_0 / Q4_0 dots and the Q8_0 / Q4_0 / Q4_K / Q6_K gemm.
KernelTable neon_dotprod_table() {
  KernelTable k = neon_table();
  k.isa = Isa::kNeonDotprod;
  k.summary =
      "neon-dotprod: sdot q8_0/q4_0/q4_k/q6_k gemm, q8_0/q4_0 dots; neon: f32/f16/bf16 gemm, f32 "
      "f16 bf16 q4_k q6_k dots, q8_0/f16/bf16 converters, f16 and f32 attention";
  k.vec_dot[at(DType::Q8_0)] = neon_dotprod::dot_q8_0;
  k.vec_dot[at(DType::Q4_0)] = neon_dotprod::dot_q4_0;
  k.gemm[at(DType::Q8_0)] = &neon_dotprod::kGemmQ8_0;
  k.gemm[at(DType::Q4_0)] = &neon_dotprod::kGemmQ4_0;
  k.gemm[at(DType::Q4_K)] = &neon_dotprod::kGemmQ4_K;
  k.gemm[at(DType::Q6_K)] = &neon_dotprod::kGemmQ6_K;
  return k;
}

// I8MM on top of DotProd: smmla for batches of the Q8_0 / Q4_0 gemm (Q4_K / Q6_K keep sdot).
KernelTable neon_i8mm_table() {
  KernelTable k = neon_dotprod_table();
  k.isa = Isa::kNeonI8mm;
  k.summary =
      "neon-i8mm: smmla q8_0/q4_0 gemm; neon-dotprod: sdot q4_k/q6_k gemm, q8_0/q4_0 dots; neon: "
      "f32/f16/bf16 gemm, f32 f16 bf16 q4_k q6_k dots, q8_0/f16/bf16 converters, f16 and f32 "
      "attention";
  k.gemm[at(DType::Q8_0)] = &neon_i8mm::kGemmQ8_0;
  k.gemm[at(DType::Q4_0)] = &neon_i8mm::kGemmQ4_0;
  return k;
}
#endif  // HEARTH_KERNELS_NEON

}  // namespace

const KernelTable* kernels_for(Isa isa) {
  static const KernelTable scalar = scalar_table();
  if (!isa_supported(isa)) return nullptr;
  switch (isa) {
    case Isa::kScalar:
      return &scalar;
#if HEARTH_KERNELS_X86
    case Isa::kAvx2: {
      static const KernelTable avx2 = avx2_table();
      return &avx2;
    }
    case Isa::kAvxVnni: {
      static const KernelTable avxvnni = avxvnni_table();
      return &avxvnni;
    }
    case Isa::kAvx512: {
      static const KernelTable avx512 = avx512_table();
      return &avx512;
    }
#endif
#if HEARTH_KERNELS_NEON
    case Isa::kNeon: {
      static const KernelTable neon = neon_table();
      return &neon;
    }
    case Isa::kNeonDotprod: {
      static const KernelTable neon_dotprod = neon_dotprod_table();
      return &neon_dotprod;
    }
    case Isa::kNeonI8mm: {
      static const KernelTable neon_i8mm = neon_i8mm_table();
      return &neon_i8mm;
    }
#endif
    default:
      return nullptr;  // another architecture's level (isa_supported is false for it)
  }
}

uint8_t* kernel_scratch(size_t bytes) {
  struct alignas(64) Line {
    uint8_t bytes[64];
  };
  // Not thread_local std::vector: MinGW frees that twice at thread exit (platform/per_thread.hpp).
  auto& buffer = platform::per_thread<std::vector<Line>, Line>();
  const size_t lines = (bytes + 63) / 64;
  if (buffer.size() < lines) buffer.resize(lines);
  return buffer.data()->bytes;
}

const KernelTable& active_kernels() {
  static const KernelTable* table = kernels_for(active_isa());
  return *table;
}

}  // namespace hearth::kernels
