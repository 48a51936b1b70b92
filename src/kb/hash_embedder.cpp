// The "hash:DIM" test embedder (text_embedder.hpp). tests/kb/kb_check.py reimplements it in
// Python to compute brute-force search results independently.
#include <cmath>
#include <cstdint>

#include "hearth/error.hpp"
#include "kb/text_embedder.hpp"

namespace hearth::kb {

std::vector<float> TextEmbedder::rerank(const std::string&, const std::vector<std::string>&) const {
  hearth::fail(Status::kUnsupported, "embedding model " + model_id() + " cannot rerank");
}

namespace {

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

class HashEmbedder : public TextEmbedder {
 public:
  explicit HashEmbedder(int dim) : dim_(dim) {}
  int dim() const override { return dim_; }
  std::string model_id() const override { return "hash:" + std::to_string(dim_); }
  int max_tokens() const override { return 512; }

  std::vector<float> embed(const std::vector<std::string>& texts) const override {
    std::vector<float> out(texts.size() * static_cast<size_t>(dim_), 0.0f);
    std::vector<double> acc(static_cast<size_t>(dim_));
    for (size_t t = 0; t < texts.size(); ++t) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const std::string& s = texts[t];
      size_t i = 0;
      while (i < s.size()) {
        if (!is_word_byte(static_cast<unsigned char>(s[i]))) {
          ++i;
          continue;
        }
        uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
        for (; i < s.size() && is_word_byte(static_cast<unsigned char>(s[i])); ++i) {
          unsigned char c = static_cast<unsigned char>(s[i]);
          if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
          h = (h ^ c) * 1099511628211ull;
        }
        acc[h % static_cast<uint64_t>(dim_)] += (h >> 63) ? -1.0 : 1.0;
      }
      double norm = 0;
      for (double v : acc) norm += v * v;
      if (norm == 0) continue;
      const double inv = 1.0 / std::sqrt(norm);
      float* row = out.data() + t * static_cast<size_t>(dim_);
      for (int d = 0; d < dim_; ++d) row[d] = static_cast<float>(acc[static_cast<size_t>(d)] * inv);
    }
    return out;
  }

  int count_tokens(std::string_view s) const override {
    int n = 0;
    size_t i = 0;
    while (i < s.size()) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (is_word_byte(c)) {
        ++n;
        while (i < s.size() && is_word_byte(static_cast<unsigned char>(s[i]))) ++i;
      } else {
        // UTF-8 continuation bytes do not start a token.
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r' && (c & 0xC0) != 0x80) ++n;
        ++i;
      }
    }
    return n;
  }

 private:
  int dim_;
};

}  // namespace

std::unique_ptr<TextEmbedder> make_hash_embedder(int dim) {
  if (dim < 1 || dim > 65536)
    hearth::fail(Status::kInvalidArgument, "hash embedder dimension must be 1..65536");
  return std::make_unique<HashEmbedder>(dim);
}

}  // namespace hearth::kb
