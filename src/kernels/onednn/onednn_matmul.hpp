// oneDNN's matmul for F32 and BF16 weights on batches of tokens: the one place hearth calls
// oneDNN, because that is where it was measured to beat hearth's own kernels on AVX-512
// (docs/architecture.md, "Third-party libraries"; benchmarks/bench_onednn.cpp). matmul()
// (src/model/matmul.cpp) offers every product here first; everything else — quantized weights,
// F16 (oneDNN 2.6 has no F16 matmul without AVX512-FP16), decode below kMinTokens, other ISAs,
// a build without oneDNN (onednn_unavailable.cpp) — stays with the kernel table.
//
// Numerics: the same products as hearth's path (activations rounded to BF16 by the kernel
// table's converter for BF16 weights, F32 unchanged; f32 accumulation), summed in oneDNN's
// order: results differ from the scalar reference by rounding only, not bit for bit, and may
// depend on the thread count (oneDNN may split the K sums between threads).
// Threads: oneDNN (Debian's build) runs on OpenMP; the caller's pool size is handed to it as
// the OpenMP thread count for the call (and the caller's setting restored after).
// Off unless HEARTH_ONEDNN=1 (results were not reproducible run to run in one test: see
// enabled()); never below avx512 (HEARTH_FORCE_ISA).
#pragma once

#include "hearth/model.hpp"

namespace hearth {
class ThreadPool;
struct MatmulOutput;
}  // namespace hearth

namespace hearth::kernels::onednn {

constexpr int kMinTokens = 8;  // below: the dot products (decode reads each weight once)

// Whether this build has oneDNN and it is on (HEARTH_ONEDNN, set_enabled).
bool enabled();
// Overrides HEARTH_ONEDNN for the rest of the process (tests).
void set_enabled(bool on);
// Whether matmul() takes W for n_tok tokens: enabled, F32 or BF16 weights in the file layout,
// n_tok >= kMinTokens, the avx512 kernels active (BF16: with AVX512-BF16).
bool takes(const TensorView& W, int n_tok);
// Every y = X W^T when takes() holds for each weight and oneDNN has a JIT implementation for
// the shape (never its slow reference code); returns false, writing nothing, otherwise.
// Throws hearth::Error(kInternal) when oneDNN fails during the product.
bool matmul(const MatmulOutput* outs, int n_outs, const float* X, int n_tok, ThreadPool* pool);

}  // namespace hearth::kernels::onednn
