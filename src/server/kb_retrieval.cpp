#include "server/kb_retrieval.hpp"

#include <cstdio>
#include <mutex>

#include "hearth/error.hpp"
#include "server/state.hpp"
#if HEARTH_HAS_KB
#include "kb/grounded_prompt.hpp"
#include "kb/knowledge_base.hpp"
#endif

namespace hearth::server {

using nlohmann::json;

#if HEARTH_HAS_KB

class KbRetrieval {
 public:
  KbRetrieval(const ServerState& st) : k_(st.config.kb_k) {
    kb_ = kb::KnowledgeBase::open(st.config.kb, {});
    const kb::KbInfo info = kb_->info();
    if (info.encrypted)
      hearth::fail(Status::kUnsupported,
                   "--kb " + st.config.kb + " is encrypted; the server cannot open it");
    if (st.embedder && st.embedder->pooling() != embed::Pooling::kRank) {
      kb_->set_embedder(kb::wrap_embedder(st.embedder), st.config.embed_model);
    } else {
      if (info.embed_source.empty())
        hearth::fail(Status::kInvalidArgument,
                     "--kb " + st.config.kb + " has no documents yet (hearth kb add)");
      kb_->set_embedder(kb::open_embedder(info.embed_source, st.config.threads), info.embed_source);
    }
    n_chunks_ = kb_->load_vectors();  // now, not in the first request's time
  }

  json ground(std::vector<tmpl::ChatMessage>& messages) {
    auto last_user = messages.end();
    for (auto it = messages.begin(); it != messages.end(); ++it)
      if (it->role == "user") last_user = it;
    json sources = json::array();
    if (last_user == messages.end() || last_user->content.empty()) return sources;
    kb::SearchOptions so;
    so.k = static_cast<size_t>(k_);
    std::vector<kb::SearchHit> hits;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      try {
        hits = kb_->search(last_user->content, so);
      } catch (const Error& e) {
        // A message longer than the embedding model's context: keywords only, rather than
        // refusing a chat turn the chat model itself can take.
        if (e.status() != Status::kInvalidArgument) throw;
        so.mode = kb::SearchMode::kBm25;
        hits = kb_->search(last_user->content, so);
      }
    }
    last_user->content = kb::grounded_message(last_user->content, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      const kb::SearchHit& h = hits[i];
      sources.push_back({{"index", i + 1},
                         {"path", h.path},
                         {"page", h.page > 0 ? json(h.page) : json(nullptr)},
                         {"line", h.line > 0 ? json(h.line) : json(nullptr)},
                         {"score", h.score},
                         {"chunk", h.seq}});
    }
    return sources;
  }

  size_t n_chunks() const { return n_chunks_; }
  std::string model_id() const { return kb_->info().model_id; }

 private:
  std::mutex mutex_;
  std::unique_ptr<kb::KnowledgeBase> kb_;
  int k_;
  size_t n_chunks_ = 0;
};

void load_kb(ServerState& st) {
  if (st.config.kb.empty()) return;
  auto r = std::make_shared<KbRetrieval>(st);
  std::fprintf(stderr, "hearth serve: knowledge base %s ready (%zu passages, model '%s')\n",
               st.config.kb.c_str(), r->n_chunks(), r->model_id().c_str());
  st.kb = std::move(r);
}

json kb_ground_chat(ServerState& st, std::vector<tmpl::ChatMessage>& messages) {
  if (!st.kb) return nullptr;
  return st.kb->ground(messages);
}

#else  // !HEARTH_HAS_KB

class KbRetrieval {};

void load_kb(ServerState& st) {
  if (!st.config.kb.empty())
    hearth::fail(Status::kUnsupported, "--kb: this build has no knowledge base (no SQLite)");
}

json kb_ground_chat(ServerState&, std::vector<tmpl::ChatMessage>&) {
  return nullptr;
}

#endif

}  // namespace hearth::server
