#include "kb_chat.hpp"

#include "hearth/error.hpp"
#include "kb/grounded_prompt.hpp"
#include "kb/knowledge_base.hpp"

namespace hearth::cli {

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
  return kb::grounded_message(question, hits_);
}

std::string KbRetriever::sources() const {
  if (hits_.empty()) return "";
  std::string out = "Sources:\n";
  for (size_t i = 0; i < hits_.size(); ++i)
    out += "[" + std::to_string(i + 1) + "] " + kb::source_location(hits_[i]) + "\n";
  return out;
}

}  // namespace hearth::cli
