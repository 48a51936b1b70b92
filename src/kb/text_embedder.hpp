// hearth::kb::TextEmbedder — what the knowledge base needs from an embedding model: vectors for
// texts, a token count for chunking, and optionally reranking scores. Keeping the knowledge
// base on this small interface lets tests use a deterministic embedder and keeps it
// independent of how models are run (embed_adapter.cpp wraps hearth::embed::Embedder).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::embed {
class Embedder;
}

namespace hearth::kb {

class TextEmbedder {
 public:
  virtual ~TextEmbedder() = default;
  virtual int dim() const = 0;
  // Recorded in the database; searching with an embedder of another id is refused.
  virtual std::string model_id() const = 0;
  // Row-major [texts.size()][dim()], each row L2-normalized (or all zero for a text without
  // content), so a dot product is the cosine similarity.
  virtual std::vector<float> embed(const std::vector<std::string>& texts) const = 0;
  // Tokens the model sees for `text`; chunk sizes are measured with it.
  virtual int count_tokens(std::string_view text) const = 0;
  // Most tokens one text may have (chunks are kept below it).
  virtual int max_tokens() const = 0;
  virtual bool can_rerank() const { return false; }
  // One score per document, higher is more relevant. Throws kUnsupported unless can_rerank().
  virtual std::vector<float> rerank(const std::string& query,
                                    const std::vector<std::string>& docs) const;
};

// A deterministic, NON-SEMANTIC embedder for tests and benchmarks ("hash:DIM"): the bag of
// lower-cased ASCII-alphanumeric words, each word hashed (FNV-1a 64) to a signed coordinate,
// L2-normalized. Texts sharing words are similar; synonyms are not. Tokens: one per word and
// one per other non-space character.
std::unique_ptr<TextEmbedder> make_hash_embedder(int dim);

// "hash:DIM" or the path of a GGUF embedding model (hearth::embed::Embedder). n_threads 0:
// one per core. Throws hearth::Error naming the problem.
std::unique_ptr<TextEmbedder> open_embedder(const std::string& spec, int n_threads = 0);
// An already loaded model (embed::Embedder is thread-safe, so one copy can serve the knowledge
// base and other callers, e.g. the server's /v1/embeddings).
std::unique_ptr<TextEmbedder> wrap_embedder(std::shared_ptr<const embed::Embedder> model);
// A reranking model (can_rerank()), e.g. a BERT cross-encoder GGUF.
std::unique_ptr<TextEmbedder> open_reranker(const std::string& spec, int n_threads = 0);

}  // namespace hearth::kb
