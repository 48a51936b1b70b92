// The embedding models' kernels against independent double-precision computations: every ISA's
// attend_f32 (kernel_table.hpp) on the shapes the encoders use (head sizes 16..128, texts of 1
// to 130 tokens, fused-QKV strides, causal and not), and the GELU / SwiGLU activations of
// src/embed/encoder_ops.cpp against their textbook formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "embed/encoder_ops.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth {
namespace {

struct Case {
  int n, hd;
  bool causal;
};

// softmax(scale * q k^T) v for one head, in double, straight from the definition.
std::vector<double> reference(const std::vector<float>& q, int64_t q_stride,
                              const std::vector<float>& k, const std::vector<float>& v,
                              int64_t kv_stride, const Case& c, float scale) {
  std::vector<double> out(static_cast<size_t>(c.n) * c.hd, 0.0), w(c.n);
  for (int i = 0; i < c.n; ++i) {
    const int see = c.causal ? i + 1 : c.n;
    double mx = -INFINITY, sum = 0;
    for (int j = 0; j < see; ++j) {
      double dot = 0;
      for (int e = 0; e < c.hd; ++e)
        dot += static_cast<double>(q[i * q_stride + e]) * k[j * kv_stride + e];
      w[j] = dot * scale;
      mx = std::max(mx, w[j]);
    }
    for (int j = 0; j < see; ++j) sum += (w[j] = std::exp(w[j] - mx));
    for (int j = 0; j < see; ++j)
      for (int e = 0; e < c.hd; ++e) out[i * c.hd + e] += w[j] / sum * v[j * kv_stride + e];
  }
  return out;
}

class EmbedKernels : public ::testing::TestWithParam<Isa> {};

TEST_P(EmbedKernels, AttendF32MatchesDoubleReference) {
  const kernels::KernelTable* table = kernels::kernels_for(GetParam());
  if (!table) GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam());
  ASSERT_NE(table->attend_f32, nullptr);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<Case> cases;
  for (int hd : {16, 24, 32, 48, 64, 128})
    for (int n : {1, 2, 3, 4, 5, 16, 17, 33, 128, 130})
      for (bool causal : {false, true}) cases.push_back({n, hd, causal});
  for (const Case& c : cases) {
    // q, k and v inside rows of a fused QKV buffer (wider than one head), out with a gap after
    // each row that must stay untouched.
    const int64_t q_stride = 3 * c.hd + 5, kv_stride = 2 * c.hd + 3, out_stride = c.hd + 7;
    std::vector<float> q(c.n * q_stride), k(c.n * kv_stride), v(c.n * kv_stride);
    for (float& x : q) x = 3.0f * u(rng);  // peaky softmaxes as well as flat ones
    for (float& x : k) x = u(rng);
    for (float& x : v) x = u(rng);
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.hd));
    std::vector<float> out(c.n * out_stride, 42.0f);
    std::vector<float> scratch(kernels::attend_f32_scratch_floats(c.n, c.hd) + 16);
    float* aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch.data()) + 63) &
                                              ~static_cast<uintptr_t>(63));
    table->attend_f32(q.data(), q_stride, k.data(), v.data(), kv_stride, c.n, c.hd, scale, c.causal,
                      out.data(), out_stride, aligned);
    const std::vector<double> want = reference(q, q_stride, k, v, kv_stride, c, scale);
    double worst = 0;
    for (int i = 0; i < c.n; ++i) {
      for (int e = 0; e < c.hd; ++e)
        worst = std::max(worst, std::abs(out[i * out_stride + e] - want[i * c.hd + e]));
      for (int e = c.hd; e < out_stride; ++e)
        ASSERT_EQ(out[i * out_stride + e], 42.0f) << "wrote past its row";
    }
    // Outputs are convex combinations of values in [-1, 1]: float rounding stays far below.
    EXPECT_LT(worst, 2e-6) << isa_name(GetParam()) << " n=" << c.n << " hd=" << c.hd
                           << (c.causal ? " causal" : "");
  }
}

// The first text's rows must not depend on what follows them in memory (a causal row never
// reads a later key, a row of one text never reads another's).
TEST_P(EmbedKernels, AttendF32ReadsOnlyItsKeys) {
  const kernels::KernelTable* table = kernels::kernels_for(GetParam());
  if (!table) GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam());
  const int n = 37, hd = 64;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> q(2 * n * hd), k(q.size()), v(q.size());
  for (auto* b : {&q, &k, &v})
    for (float& x : *b) x = u(rng);
  std::vector<float> scratch(kernels::attend_f32_scratch_floats(n, hd) + 16);
  float* aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch.data()) + 63) &
                                            ~static_cast<uintptr_t>(63));
  for (bool causal : {false, true}) {
    std::vector<float> a(n * hd), b(n * hd);
    table->attend_f32(q.data(), hd, k.data(), v.data(), hd, n, hd, 0.125f, causal, a.data(), hd,
                      aligned);
    std::vector<float> k2 = k, v2 = v;
    for (size_t i = n * hd; i < k2.size(); ++i) k2[i] = v2[i] = 1e6f;  // the next text
    if (causal)  // and, for row 0, every later key of its own text
      for (size_t i = hd; i < static_cast<size_t>(n) * hd; ++i) k2[i] = v2[i] = 1e6f;
    table->attend_f32(q.data(), hd, k2.data(), v2.data(), hd, n, hd, 0.125f, causal, b.data(), hd,
                      aligned);
    const int rows = causal ? 1 : n;
    for (int i = 0; i < rows * hd; ++i) ASSERT_EQ(a[i], b[i]) << (causal ? "causal" : "full");
  }
}

#if defined(__aarch64__)
INSTANTIATE_TEST_SUITE_P(Isas, EmbedKernels,
                         ::testing::Values(Isa::kScalar, Isa::kNeon, Isa::kNeonDotprod,
                                           Isa::kNeonI8mm),
                         [](const auto& info) { return test::isa_param_name(info.param); });
#else
INSTANTIATE_TEST_SUITE_P(Isas, EmbedKernels,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512),
                         [](const auto& info) { return test::isa_param_name(info.param); });
#endif

// GELU (tanh approximation, as ggml_gelu) and SwiGLU against their formulas in double.
TEST(EmbedActivations, GeluAndSwigluMatchFormulas) {
  std::vector<float> x;
  for (int i = -4000; i <= 4000; ++i) x.push_back(static_cast<float>(i) * 0.005f);  // [-20, 20]
  for (float extreme : {-1e30f, -88.0f, 88.0f, 1e30f, 0.0f}) x.push_back(extreme);
  std::vector<float> g = x;
  embed::gelu(g.data(), static_cast<int>(g.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double want =
        0.5 * v * (1.0 + std::tanh(0.7978845608028654 * v * (1.0 + 0.044715 * v * v)));
    ASSERT_NEAR(g[i], want, 2e-6 * std::max(1.0, std::abs(want))) << "gelu(" << v << ")";
  }
  // With a bias: gelu(x + b), the same bits as adding first.
  std::vector<float> bias(x.size()), with_bias = x, added = x;
  for (size_t i = 0; i < x.size(); ++i) bias[i] = 0.25f * static_cast<float>(i % 5) - 0.5f;
  for (size_t i = 0; i < x.size(); ++i) added[i] += bias[i];
  embed::gelu(with_bias.data(), static_cast<int>(x.size()), bias.data());
  embed::gelu(added.data(), static_cast<int>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(with_bias[i], added[i]) << i;
  std::vector<float> gate = x, up(x.size());
  for (size_t i = 0; i < up.size(); ++i) up[i] = 0.5f - static_cast<float>(i % 7) * 0.25f;
  embed::swiglu(gate.data(), up.data(), static_cast<int>(gate.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::abs(x[i]) > 1e3f) continue;  // silu(+-1e30) * up: inf / 0 corner, not a use case
    const double v = x[i];
    const double want = v / (1.0 + std::exp(-v)) * up[i];
    ASSERT_NEAR(gate[i], want, 2e-6 * std::max(1.0, std::abs(want))) << "swiglu(" << v << ")";
  }
}

}  // namespace
}  // namespace hearth
