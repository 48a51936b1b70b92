// The reference forward pass of eigen_forward.hpp: one sequence, every token at once (a causal
// mask instead of a KV cache), float throughout.
#include "eigen_forward.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

#include "hearth/gguf.hpp"
#include "hearth/quant.hpp"

namespace hearth::test {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

// A 2-D GGUF tensor as an [n_out][n_in] float matrix (GGUF dims[0] is the row length n_in).
Matrix matrix(const GgufFile& f, const std::string& name) {
  const GgufTensorInfo* t = f.find_tensor(name);
  if (!t || t->dims.empty() || t->dims.size() > 2) throw std::runtime_error("no 2-D " + name);
  const auto n_in = static_cast<Eigen::Index>(t->dims[0]);
  const auto n_out = static_cast<Eigen::Index>(t->dims.size() == 2 ? t->dims[1] : 1);
  Matrix m(n_out, n_in);
  const size_t rb = *row_bytes(t->type, static_cast<uint64_t>(n_in));
  for (Eigen::Index r = 0; r < n_out; ++r)
    dequantize_row(t->type, t->data + static_cast<size_t>(r) * rb, m.row(r).data(),
                   static_cast<size_t>(n_in));
  return m;
}

Vector vector(const GgufFile& f, const std::string& name) {
  const Matrix m = matrix(f, name);
  return Eigen::Map<const Vector>(m.data(), m.size());
}

int64_t need_int(const GgufFile& f, const std::string& key) {
  const auto v = f.get_int(key);
  if (!v) throw std::runtime_error("missing " + key);
  return *v;
}

// Each row of x scaled to unit root-mean-square, then by w.
Matrix rms_norm(const Matrix& x, const Vector& w, float eps) {
  Matrix y(x.rows(), x.cols());
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const float ms = x.row(t).squaredNorm() / static_cast<float>(x.cols());
    y.row(t) = x.row(t).cwiseProduct(w.transpose()) / std::sqrt(ms + eps);
  }
  return y;
}

// RoPE on adjacent pairs (2i, 2i + 1) of the first n_rot dimensions of every head.
void rope(Matrix& x, int n_heads, int head_dim, int n_rot, float base) {
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    for (int h = 0; h < n_heads; ++h)
      for (int i = 0; i < n_rot / 2; ++i) {
        const double theta =
            static_cast<double>(t) * std::pow(static_cast<double>(base), -2.0 * i / n_rot);
        const auto c = static_cast<float>(std::cos(theta)), s = static_cast<float>(std::sin(theta));
        float& a = x(t, h * head_dim + 2 * i);
        float& b = x(t, h * head_dim + 2 * i + 1);
        const float a0 = a, b0 = b;
        a = a0 * c - b0 * s;
        b = a0 * s + b0 * c;
      }
}

}  // namespace

std::vector<float> eigen_forward_last_logits(const std::string& gguf_path,
                                             const std::vector<int32_t>& tokens) {
  const auto file = GgufFile::open(gguf_path);
  const GgufFile& f = *file;
  if (f.get_string("general.architecture").value_or("") != "llama")
    throw std::runtime_error("eigen_forward: only the llama architecture");
  if (f.find_tensor("rope_freqs.weight")) throw std::runtime_error("eigen_forward: rope_freqs");
  const int n_embd = static_cast<int>(need_int(f, "llama.embedding_length"));
  const int n_layer = static_cast<int>(need_int(f, "llama.block_count"));
  const int n_head = static_cast<int>(need_int(f, "llama.attention.head_count"));
  const int n_head_kv =
      static_cast<int>(f.get_int("llama.attention.head_count_kv").value_or(n_head));
  const int head_dim = n_embd / n_head;
  const int n_rot = static_cast<int>(f.get_int("llama.rope.dimension_count").value_or(head_dim));
  const auto eps =
      static_cast<float>(f.get_float("llama.attention.layer_norm_rms_epsilon").value_or(1e-5));
  const auto base = static_cast<float>(f.get_float("llama.rope.freq_base").value_or(10000.0));
  const auto n_tok = static_cast<Eigen::Index>(tokens.size());

  const Matrix embd = matrix(f, "token_embd.weight");  // [n_vocab][n_embd]
  Matrix x(n_tok, n_embd);
  for (Eigen::Index t = 0; t < n_tok; ++t) {
    if (tokens[t] < 0 || tokens[t] >= embd.rows()) throw std::runtime_error("token out of range");
    x.row(t) = embd.row(tokens[t]);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int l = 0; l < n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    const Matrix h = rms_norm(x, vector(f, p + "attn_norm.weight"), eps);
    Matrix q = h * matrix(f, p + "attn_q.weight").transpose();
    Matrix k = h * matrix(f, p + "attn_k.weight").transpose();
    const Matrix v = h * matrix(f, p + "attn_v.weight").transpose();
    rope(q, n_head, head_dim, n_rot, base);
    rope(k, n_head_kv, head_dim, n_rot, base);
    Matrix att(n_tok, n_head * head_dim);
    for (int hd = 0; hd < n_head; ++hd) {
      const int kvh = hd / (n_head / n_head_kv);  // grouped-query attention
      const Matrix qh = q.middleCols(hd * head_dim, head_dim);
      const Matrix kh = k.middleCols(kvh * head_dim, head_dim);
      const Matrix vh = v.middleCols(kvh * head_dim, head_dim);
      Matrix s = (qh * kh.transpose()) * scale;  // [n_tok][n_tok]
      for (Eigen::Index t = 0; t < n_tok; ++t) {
        // Causal softmax over positions 0..t.
        const float mx = s.row(t).head(t + 1).maxCoeff();
        float sum = 0;
        for (Eigen::Index j = 0; j <= t; ++j) sum += (s(t, j) = std::exp(s(t, j) - mx));
        for (Eigen::Index j = 0; j < n_tok; ++j) s(t, j) = j <= t ? s(t, j) / sum : 0.0f;
      }
      att.middleCols(hd * head_dim, head_dim) = s * vh;
    }
    x += att * matrix(f, p + "attn_output.weight").transpose();
    const Matrix h2 = rms_norm(x, vector(f, p + "ffn_norm.weight"), eps);
    const Matrix gate = h2 * matrix(f, p + "ffn_gate.weight").transpose();
    const Matrix up = h2 * matrix(f, p + "ffn_up.weight").transpose();
    // SwiGLU: silu(gate) * up.
    const Matrix act = (gate.array() / (1.0f + (-gate.array()).exp())) * up.array();
    x += act * matrix(f, p + "ffn_down.weight").transpose();
  }
  const Matrix last = rms_norm(x.bottomRows(1), vector(f, "output_norm.weight"), eps);
  const Matrix out =
      matrix(f, f.find_tensor("output.weight") ? "output.weight" : "token_embd.weight");
  const Vector logits = out * last.row(0).transpose();
  return std::vector<float>(logits.data(), logits.data() + logits.size());
}

}  // namespace hearth::test
