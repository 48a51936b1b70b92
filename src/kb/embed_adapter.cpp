// open_embedder / open_reranker: "hash:DIM" (the test embedder) or a GGUF model run by
// hearth::embed::Embedder (src/embed/), adapted to the knowledge base's TextEmbedder.
#include <cstdlib>

#include "embed/embedder.hpp"
#include "hearth/error.hpp"
#include "kb/text_embedder.hpp"

namespace hearth::kb {
namespace {

class ModelEmbedder : public TextEmbedder {
 public:
  explicit ModelEmbedder(std::shared_ptr<const embed::Embedder> e) : e_(std::move(e)) {}
  int dim() const override { return e_->dim(); }
  std::string model_id() const override { return e_->model_id(); }
  std::vector<float> embed(const std::vector<std::string>& texts) const override {
    return e_->embed(texts);
  }
  int count_tokens(std::string_view text) const override {
    return e_->count_tokens(std::string(text));
  }
  int max_tokens() const override { return e_->n_ctx(); }
  bool can_rerank() const override { return e_->pooling() == embed::Pooling::kRank; }
  std::vector<float> rerank(const std::string& query,
                            const std::vector<std::string>& docs) const override {
    return e_->rerank(query, docs);
  }

 private:
  std::shared_ptr<const embed::Embedder> e_;  // shared with its other users (the server)
};

std::unique_ptr<TextEmbedder> open_model(const std::string& spec, int n_threads) {
  if (spec.rfind("hash:", 0) == 0) {
    char* end = nullptr;
    const long dim = std::strtol(spec.c_str() + 5, &end, 10);
    if (end == spec.c_str() + 5 || *end != '\0')
      hearth::fail(Status::kInvalidArgument, "'" + spec + "': hash:DIM needs a number");
    return make_hash_embedder(static_cast<int>(dim));
  }
  embed::EmbedderOptions o;
  o.n_threads = n_threads;
  return std::make_unique<ModelEmbedder>(embed::Embedder::load(spec, o));
}

}  // namespace

std::unique_ptr<TextEmbedder> open_embedder(const std::string& spec, int n_threads) {
  auto e = open_model(spec, n_threads);
  if (e->can_rerank())
    hearth::fail(Status::kInvalidArgument,
                 spec + " is a reranking model; the knowledge base needs an embedding model");
  return e;
}

std::unique_ptr<TextEmbedder> wrap_embedder(std::shared_ptr<const embed::Embedder> model) {
  if (!model) hearth::fail(Status::kInvalidArgument, "no embedding model");
  return std::make_unique<ModelEmbedder>(std::move(model));
}

std::unique_ptr<TextEmbedder> open_reranker(const std::string& spec, int n_threads) {
  auto e = open_model(spec, n_threads);
  if (!e->can_rerank()) hearth::fail(Status::kInvalidArgument, spec + " is not a reranking model");
  return e;
}

}  // namespace hearth::kb
