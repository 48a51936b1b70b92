// Embedder: tokenization, packing texts into forward passes, pooling and normalisation.
#include "embed/embedder.hpp"

#include <fmt/format.h>

#include <mutex>

#include "core/thread_pool.hpp"
#include "embed/encoder_forward.hpp"
#include "embed/encoder_model.hpp"
#include "embed/pooling.hpp"
#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth::embed {
namespace {

// Tokens per forward pass: bounds the activations (a few floats per token and FFN unit) while
// keeping the matmuls large enough for the tiled kernels.
constexpr int kMaxBatchTokens = 8192;

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Pooling parse_pooling(const std::string& name) {
  if (name == "none") return Pooling::kNone;
  if (name == "mean") return Pooling::kMean;
  if (name == "cls") return Pooling::kCls;
  if (name == "last") return Pooling::kLast;
  if (name == "rank") return Pooling::kRank;
  fail(Status::kInvalidArgument,
       fmt::format("unknown pooling '{}' (none, mean, cls, last, rank)", name));
}

const char* pooling_name(Pooling p) {
  switch (p) {
    case Pooling::kNone:
      return "none";
    case Pooling::kMean:
      return "mean";
    case Pooling::kCls:
      return "cls";
    case Pooling::kLast:
      return "last";
    case Pooling::kRank:
      return "rank";
    default:
      return "unspecified";
  }
}

struct Embedder::Impl {
  std::shared_ptr<const EncoderModel> model;
  EmbedderOptions options;
  Pooling pooling = Pooling::kNone;
  std::unique_ptr<ThreadPool> pool;
  std::mutex mu;  // the pool runs one parallel loop at a time: one forward pass at a time

  std::vector<int32_t> tokenize(const std::string& text, bool parse_special) const {
    return model->tokenizer->encode(text, true, parse_special);
  }

  // Checks ids and length; cuts to the context when asked (keeping a final EOS / [SEP]).
  void fit(std::vector<int32_t>& ids) const {
    const int n_ctx = model->c.n_ctx;
    for (int32_t id : ids)
      if (id < 0 || id >= model->c.n_vocab)
        fail(
            Status::kInvalidArgument,
            fmt::format("token id {} is outside the vocabulary ({} tokens)", id, model->c.n_vocab));
    if (static_cast<int>(ids.size()) <= n_ctx) return;
    if (!options.truncate)
      fail(Status::kInvalidArgument,
           fmt::format("the input has {} tokens, more than the model's context of {} (ask for "
                       "truncation to cut it)",
                       ids.size(), n_ctx));
    const Tokenizer& t = *model->tokenizer;
    const bool keep_eos = t.add_eos() && t.eos() >= 0 && ids.back() == t.eos();
    ids.resize(n_ctx);
    if (keep_eos) ids.back() = t.eos();
  }

  // Runs the texts through the model in packs of at most kMaxBatchTokens tokens; calls
  // sink(first text index, spans, hidden) per pack.
  template <typename Sink>
  void run(std::vector<std::vector<int32_t>> ids, Sink sink) {
    for (auto& v : ids) {
      fit(v);
      if (v.empty()) fail(Status::kInvalidArgument, "an input has no tokens");
    }
    std::lock_guard<std::mutex> lock(mu);
    for (size_t begin = 0; begin < ids.size();) {
      std::vector<int32_t> tokens;
      std::vector<Span> spans;
      size_t end = begin;
      while (end < ids.size() &&
             (spans.empty() || tokens.size() + ids[end].size() <= size_t{kMaxBatchTokens})) {
        spans.push_back({static_cast<int>(tokens.size()), static_cast<int>(ids[end].size())});
        tokens.insert(tokens.end(), ids[end].begin(), ids[end].end());
        ++end;
      }
      const std::vector<float> hidden = encoder_forward(*model, tokens, spans, pool.get());
      sink(begin, spans, hidden);
      begin = end;
    }
  }
};

Embedder::Embedder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Embedder::~Embedder() = default;

std::unique_ptr<Embedder> Embedder::load(const std::string& path, const EmbedderOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->model = EncoderModel::load(GgufFile::open(path));
  impl->options = options;
  impl->pooling =
      options.pooling == Pooling::kUnspecified ? impl->model->c.pooling : options.pooling;
  impl->pool = std::make_unique<ThreadPool>(options.n_threads);
  return std::unique_ptr<Embedder>(new Embedder(std::move(impl)));
}

int Embedder::dim() const {
  return impl_->model->c.n_embd;
}
int Embedder::n_ctx() const {
  return impl_->model->c.n_ctx;
}
int Embedder::n_vocab() const {
  return impl_->model->c.n_vocab;
}
Pooling Embedder::pooling() const {
  return impl_->pooling;
}
std::string Embedder::architecture() const {
  return impl_->model->c.architecture;
}
std::string Embedder::model_id() const {
  const auto name = impl_->model->file->get_string("general.name");
  return name && !name->empty() ? *name : base_name(impl_->model->file->path());
}

int Embedder::count_tokens(const std::string& text) const {
  return static_cast<int>(impl_->tokenize(text, false).size());
}

std::vector<float> Embedder::embed(const std::vector<std::string>& texts) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const auto& t : texts) ids.push_back(impl_->tokenize(t, false));
  return embed_ids(ids);
}

std::vector<float> Embedder::embed_ids(const std::vector<std::vector<int32_t>>& ids) const {
  const Pooling p = impl_->pooling;
  if (p == Pooling::kRank)
    fail(Status::kInvalidArgument,
         "this model pools for ranking (pooling rank): use rerank(), or override the pooling");
  const int d = dim();
  std::vector<float> out(ids.size() * static_cast<size_t>(d));
  impl_->run(ids,
             [&](size_t first, const std::vector<Span>& spans, const std::vector<float>& hidden) {
               const std::vector<float> pooled = pool(hidden, d, spans, p);
               std::copy(pooled.begin(), pooled.end(), out.begin() + first * d);
             });
  if (impl_->options.normalize == Normalize::kL2)
    l2_normalize(out.data(), static_cast<int>(ids.size()), d);
  return out;
}

std::vector<std::vector<float>> Embedder::embed_tokens(
    const std::vector<std::string>& texts) const {
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : texts) ids.push_back(impl_->tokenize(t, false));
  const int d = dim();
  std::vector<std::vector<float>> out(texts.size());
  impl_->run(ids, [&](size_t first, const std::vector<Span>& spans,
                      const std::vector<float>& hidden) {
    for (size_t s = 0; s < spans.size(); ++s)
      out[first + s].assign(hidden.begin() + static_cast<size_t>(spans[s].first) * d,
                            hidden.begin() + static_cast<size_t>(spans[s].first + spans[s].n) * d);
  });
  if (impl_->options.normalize == Normalize::kL2)
    for (auto& rows : out) l2_normalize(rows.data(), static_cast<int>(rows.size() / d), d);
  return out;
}

std::vector<float> Embedder::rerank(const std::string& query,
                                    const std::vector<std::string>& docs) const {
  const EncoderModel& m = *impl_->model;
  const Tokenizer& tok = *m.tokenizer;
  if (!m.cls && !m.cls_out)
    fail(Status::kInvalidArgument,
         "the model has no classification head (cls / cls.output): it is not a reranker");
  std::vector<std::vector<int32_t>> ids;
  const auto tmpl = m.file->get_string("tokenizer.chat_template.rerank");
  for (const auto& doc : docs) {
    if (tmpl) {
      // Qwen3-Reranker: the file's prompt with {query} and {document} filled in.
      std::string text = *tmpl;
      for (auto [key, value] :
           {std::pair<std::string, const std::string*>{"{query}", &query}, {"{document}", &doc}})
        if (const size_t at = text.find(key); at != std::string::npos)
          text.replace(at, key.size(), *value);
      ids.push_back(tok.encode(text, true, true));
    } else {
      // Cross-encoders: [CLS] query [SEP] document [SEP], as llama.cpp's server builds it.
      const int32_t sep = tok.eos() >= 0 ? tok.eos() : tok.find("[SEP]");
      std::vector<int32_t> v;
      if (tok.add_bos() && tok.bos() >= 0) v.push_back(tok.bos());
      const auto q = tok.encode(query, false, false), d = tok.encode(doc, false, false);
      v.insert(v.end(), q.begin(), q.end());
      if (sep >= 0) v.push_back(sep);
      v.insert(v.end(), d.begin(), d.end());
      if (sep >= 0) v.push_back(sep);
      ids.push_back(std::move(v));
    }
  }
  std::vector<float> scores(docs.size());
  impl_->run(ids,
             [&](size_t first, const std::vector<Span>& spans, const std::vector<float>& hidden) {
               const std::vector<float> s = rank_scores(m, hidden, spans);
               const int w = static_cast<int>(s.size() / spans.size());
               for (size_t i = 0; i < spans.size(); ++i) scores[first + i] = s[i * w];
             });
  return scores;
}

}  // namespace hearth::embed
