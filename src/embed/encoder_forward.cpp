// Embedding lookup shared by both families, then the family's layers.
#include "embed/encoder_forward.hpp"

#include "core/thread_pool.hpp"
#include "embed/encoder_ops.hpp"
#include "hearth/quant.hpp"

namespace hearth::embed {

std::vector<float> encoder_forward(const EncoderModel& m, const std::vector<int32_t>& tokens,
                                   const std::vector<Span>& spans, ThreadPool* pool) {
  const int d = m.c.n_embd;
  const int n_tok = static_cast<int>(tokens.size());
  std::vector<float> x(static_cast<size_t>(n_tok) * d);
  std::vector<int> pos(n_tok);
  for (const Span& s : spans)
    for (int i = 0; i < s.n; ++i) pos[s.first + i] = i;
  const bool bert = m.c.family != Family::kDecoder;
  parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
    std::vector<float> row(d);
    for (int64_t t = t0; t < t1; ++t) {
      float* xt = x.data() + t * d;
      dequantize_row(m.token_embd.type, m.token_embd.row(tokens[t]), xt, d);
      if (!bert) continue;
      // Every token is segment A (type 0), as llama.cpp feeds BERT models.
      if (m.token_types) {
        dequantize_row(m.token_types.type, m.token_types.row(0), row.data(), d);
        for (int i = 0; i < d; ++i) xt[i] += row[i];
      }
      if (m.pos_embd) {
        dequantize_row(m.pos_embd.type, m.pos_embd.row(pos[t]), row.data(), d);
        for (int i = 0; i < d; ++i) xt[i] = row[i] + xt[i];
      }
      layer_norm(xt, d, reinterpret_cast<const float*>(m.embd_norm.data),
                 reinterpret_cast<const float*>(m.embd_norm_b.data), m.c.norm_eps);
    }
  });
  if (bert)
    bert_layers(m, spans, x, pool);
  else
    decoder_layers(m, spans, x, pool);
  return x;
}

}  // namespace hearth::embed
