// The per-ISA implementations of KernelTable::attend_f32 (kernel_table.hpp, AttendF32Fn):
// declarations only; each definition is compiled with its ISA's flags.
#pragma once

#include <cstdint>

namespace hearth::kernels {

namespace scalar {
void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch);
}
namespace avx2 {
void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch);
}
namespace avx512 {
void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch);
}

}  // namespace hearth::kernels
