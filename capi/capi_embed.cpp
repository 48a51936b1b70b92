// C ABI: embeddings and reranking (hearth_embedder_*, hearth_embed, hearth_rerank).
#include <string>
#include <vector>

#include "capi_internal.hpp"
#include "embed/embedder.hpp"

struct hearth_embedder {
  std::unique_ptr<hearth::embed::Embedder> embedder;
};

using namespace hearth::capi;

namespace {

hearth_embedder_params embedder_params_defaults() {
  hearth_embedder_params p{};
  p.struct_size = sizeof p;
  p.pooling = HEARTH_POOLING_MODEL;
  p.normalize = 1;
  p.truncate = 0;
  p.n_threads = 0;
  return p;
}

std::vector<std::string> texts_of(const char* const* texts, size_t n, const char* name) {
  if (n > 0) require(texts, name);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!texts[i]) invalid(std::string(name) + "[" + std::to_string(i) + "] is NULL");
    out.emplace_back(texts[i]);
  }
  return out;
}

}  // namespace

extern "C" {

HEARTH_API hearth_status hearth_embedder_params_init(hearth_embedder_params* params, size_t size) {
  return init_sized(params, size, embedder_params_defaults());
}

HEARTH_API hearth_status hearth_embedder_load(const char* path,
                                              const hearth_embedder_params* params,
                                              hearth_embedder** out) {
  return guarded([&] {
    require(path, "path");
    require(out, "out");
    const hearth_embedder_params p = read_sized(params, embedder_params_defaults(), "params");
    if (p.pooling < HEARTH_POOLING_MODEL || p.pooling > HEARTH_POOLING_RANK)
      invalid("params->pooling " + std::to_string(p.pooling) + " is not a hearth_pooling");
    if (p.n_threads < 0) invalid("params->n_threads is negative");
    hearth::embed::EmbedderOptions o;
    o.pooling = static_cast<hearth::embed::Pooling>(p.pooling);
    o.normalize = p.normalize ? hearth::embed::Normalize::kL2 : hearth::embed::Normalize::kNone;
    o.truncate = p.truncate != 0;
    o.n_threads = p.n_threads;
    auto e = std::make_unique<hearth_embedder>();
    e->embedder = hearth::embed::Embedder::load(path, o);
    *out = e.release();
    return HEARTH_OK;
  });
}

HEARTH_API void hearth_embedder_free(hearth_embedder* embedder) {
  delete embedder;
}

HEARTH_API hearth_status hearth_embedder_dim(const hearth_embedder* embedder, int32_t* out) {
  return guarded([&] {
    require(embedder, "embedder");
    require(out, "out");
    *out = embedder->embedder->dim();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_embed(const hearth_embedder* embedder, const char* const* texts,
                                      size_t n_texts, float* out, size_t capacity,
                                      size_t* out_len) {
  return guarded([&] {
    require(embedder, "embedder");
    const size_t need = n_texts * static_cast<size_t>(embedder->embedder->dim());
    const std::vector<std::string> t = texts_of(texts, n_texts, "texts");
    if (capacity < need) {
      if (out_len) *out_len = need;
      set_last_error("hearth_embed: out holds " + std::to_string(capacity) + " floats, " +
                     std::to_string(need) + " needed");
      return HEARTH_ERR_BUFFER_TOO_SMALL;
    }
    if (need > 0) require(out, "out");
    const std::vector<float> v = embedder->embedder->embed(t);
    std::copy(v.begin(), v.end(), out);
    if (out_len) *out_len = need;
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_rerank(const hearth_embedder* embedder, const char* query,
                                       const char* const* docs, size_t n_docs, float* out_scores) {
  return guarded([&] {
    require(embedder, "embedder");
    require(query, "query");
    const std::vector<std::string> d = texts_of(docs, n_docs, "docs");
    if (n_docs > 0) require(out_scores, "out_scores");
    const std::vector<float> s = embedder->embedder->rerank(query, d);
    std::copy(s.begin(), s.end(), out_scores);
    return HEARTH_OK;
  });
}

}  // extern "C"
