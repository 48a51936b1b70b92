#include "kb_chat.hpp"

#include "hearth/error.hpp"
#include "kb/knowledge_base.hpp"

namespace hearth::cli {

namespace {

std::string where(const kb::SearchHit& h) {
  if (h.page > 0) return h.path + " (page " + std::to_string(h.page) + ")";
  if (h.line > 0) return h.path + ":" + std::to_string(h.line);
  return h.path;
}

}  // namespace

KbRetriever::KbRetriever(const std::string& db, const std::string& embed_model, int k) : k_(k) {
  kb_ = kb::KnowledgeBase::open(db, {});
  const std::string spec = embed_model.empty() ? kb_->info().embed_source : embed_model;
  if (spec.empty())
    hearth::fail(Status::kInvalidArgument, "knowledge base " + db + " has no documents yet");
  kb_->set_embedder(kb::open_embedder(spec), spec);
  kb_->load_vectors();  // once, not on the first question
}

KbRetriever::~KbRetriever() = default;

std::string KbRetriever::augment(const std::string& question) {
  kb::SearchOptions so;
  so.k = static_cast<size_t>(k_);
  if (kb_->info().encrypted) so.mode = kb::SearchMode::kVector;
  hits_ = kb_->search(question, so);
  if (hits_.empty()) return question;
  std::string msg =
      "Answer the question using the numbered sources below where they are relevant, and cite "
      "them by number, like [1].\n\n";
  for (size_t i = 0; i < hits_.size(); ++i)
    msg += "[" + std::to_string(i + 1) + "] " + where(hits_[i]) + "\n" + hits_[i].text + "\n\n";
  return msg + "Question: " + question;
}

std::string KbRetriever::sources() const {
  if (hits_.empty()) return "";
  std::string out = "Sources:\n";
  for (size_t i = 0; i < hits_.size(); ++i)
    out += "[" + std::to_string(i + 1) + "] " + where(hits_[i]) + "\n";
  return out;
}

}  // namespace hearth::cli
