// hearth::embed::Embedder — text embeddings and reranking scores from a GGUF model.
//
// Architectures (general.architecture): `bert` (BGE, MiniLM, e5; BERT cross-encoders for
// reranking), `nomic-bert` (fused QKV, RoPE, SwiGLU) and `qwen3` used as an embedder
// (Qwen3-Embedding, last-token pooling; Qwen3-Reranker's yes/no head).
//
// Many texts run through one forward pass, packed without padding; each attends only to its
// own tokens, so a text's embedding does not depend on the other texts of the call.
//
// Thread-safety: an Embedder is immutable after load; embed() and rerank() may be called from
// several threads at once (each call uses its own scratch and the optional shared pool).
// Errors: hearth::Error (kInvalidArgument for bad input such as a text longer than the context
// without truncation, kInvalidModel / kUnsupported for files it cannot run).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hearth {
class ThreadPool;
namespace embed {

// How the per-token hidden states of one text become one vector (llama.cpp's numbering).
enum class Pooling : int {
  kUnspecified = -1,
  kNone = 0,
  kMean = 1,
  kCls = 2,
  kLast = 3,
  kRank = 4
};
enum class Normalize { kNone, kL2 };

// "none" | "mean" | "cls" | "last" | "rank" -> Pooling; throws kInvalidArgument otherwise.
Pooling parse_pooling(const std::string& name);
const char* pooling_name(Pooling p);

struct EmbedderOptions {
  Pooling pooling = Pooling::kUnspecified;  // unspecified: the file's <arch>.pooling_type
  Normalize normalize = Normalize::kL2;     // applied to pooled vectors (not to kNone rows)
  bool truncate = false;                    // cut texts longer than the context instead of failing
  int n_threads = 0;                        // 0: hardware threads (the embedder owns its pool)
};

class Embedder {
 public:
  // Loads `path` (mmap). Throws hearth::Error naming what is wrong with the file.
  static std::unique_ptr<Embedder> load(const std::string& path,
                                        const EmbedderOptions& options = {});
  virtual ~Embedder();

  int dim() const;               // length of one embedding (n_embd)
  int n_ctx() const;             // most tokens of one text (context_length)
  int n_vocab() const;           // token ids embed_ids() accepts: [0, n_vocab)
  Pooling pooling() const;       // effective pooling after options and the file
  std::string model_id() const;  // general.name, else the file name without directory
  std::string architecture() const;

  // One row of dim() floats per text, row-major [texts.size()][dim()], pooled and normalized
  // as the options say. With Pooling::kNone each text yields its last token's row (use
  // embed_tokens() for every token). Texts are tokenized with the model's special tokens
  // ([CLS]/[SEP], BOS/EOS as the file asks). Empty input gives an empty result.
  std::vector<float> embed(const std::vector<std::string>& texts) const;

  // Every token's hidden state of each text: result[i] is [n_tokens_i][dim()].
  std::vector<std::vector<float>> embed_tokens(const std::vector<std::string>& texts) const;

  // Pre-tokenized variant of embed() (ids as the model's tokenizer gives them, specials
  // included); lets callers control tokenization exactly.
  std::vector<float> embed_ids(const std::vector<std::vector<int32_t>>& ids) const;

  // Relevance of each document to the query, one score per document, in input order.
  // Needs a reranking model (pooling rank: BERT cls/cls.output head or Qwen3-Reranker);
  // throws kInvalidArgument otherwise. BERT scores are the raw head logit; Qwen3-Reranker
  // scores are P(yes) in [0, 1].
  std::vector<float> rerank(const std::string& query, const std::vector<std::string>& docs) const;

  // Token count of `text` as embed() would feed it (specials included), before truncation.
  int count_tokens(const std::string& text) const;

  struct Impl;

 private:
  explicit Embedder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace embed
}  // namespace hearth
