// Engine::plan_step and its helpers: which tokens the next step runs. Called under mu_ with no
// step in flight.
//
// Order of service: the running sequences, oldest admission first — each decoding one gets one
// token (the budget keeps room for all of them), each prefilling one the longest chunk the
// budget leaves — then waiting requests in arrival order (FCFS) while there is budget, a free
// running slot and pool room. A running sequence that needs a block the pool cannot give
// preempts the newest running sequence (its blocks released, it goes back to the front of the
// queue and is recomputed later, with the same bits); admission never preempts.
#include <fmt/format.h>

#include <algorithm>

#include "engine/engine.hpp"
#include "hearth/error.hpp"

namespace hearth::engine {
namespace {

BlockKey block_key(const Sequence& s, int index, uint64_t parent) {
  BlockKey key;
  key.parent = parent;
  const size_t first = static_cast<size_t>(index) * kBlockTokens;
  std::copy_n(s.tokens.begin() + first, kBlockTokens, key.tokens.begin());
  for (int i = 0; i < kBlockTokens; ++i)
    if (s.tiled[first + i]) key.tiled_mask |= static_cast<uint16_t>(1u << i);
  key.tenant = s.req->options.tenant;
  return key;
}

}  // namespace

void Engine::expire_deadlines(Clock::time_point now) {
  auto check = [&](Sequence& s) {
    if (s.finished) return;
    if (s.req->cancel_requested.load()) {
      finish(s, FinishReason::kCancelled);
      return;
    }
    const double limit = s.req->options.deadline_ms;
    if (limit > 0 &&
        std::chrono::duration<double, std::milli>(now - s.req->submitted).count() > limit)
      finish(s, FinishReason::kDeadline);
  };
  for (auto& s : running_) check(*s);
  for (auto& s : waiting_) check(*s);
}

void Engine::admit_prefix(Sequence& s) {
  // Shared blocks may cover at most all but the last token: its logits must be computed.
  const int max_blocks = (static_cast<int>(s.tokens.size()) - 1) / kBlockTokens;
  uint64_t parent = s.last_hash;
  while (static_cast<int>(s.blocks.size()) < max_blocks) {
    const BlockKey key = block_key(s, static_cast<int>(s.blocks.size()), parent);
    const int b = blocks_.lookup(key);
    if (b < 0) break;
    s.blocks.push_back(b);
    parent = key.hash();
  }
  s.n_computed = s.n_published = static_cast<int>(s.blocks.size()) * kBlockTokens;
  s.last_hash = parent;
}

void Engine::publish_full_blocks(Sequence& s) {
  while ((s.n_published + 1) * kBlockTokens <= s.n_computed) {
    const BlockKey key = block_key(s, s.n_published, s.last_hash);
    blocks_.publish(s.blocks[s.n_published], key);  // false: an equal block is already there
    s.last_hash = key.hash();
    ++s.n_published;
  }
}

void Engine::preempt(Sequence& s) {
  release_blocks(s);
  s.n_computed = s.n_published = 0;
  s.last_hash = tenant_seed(s.req->options.tenant);
  ++counters_.preemptions;
  auto it = std::find_if(running_.begin(), running_.end(), [&](auto& p) { return p.get() == &s; });
  waiting_.push_front(std::move(*it));
  running_.erase(it);
}

bool Engine::ensure_blocks(Sequence& s, int n_tokens, bool may_preempt) {
  const size_t need =
      (static_cast<size_t>(s.n_computed) + n_tokens + kBlockTokens - 1) / kBlockTokens;
  while (s.blocks.size() < need) {
    const int b = blocks_.allocate();
    if (b >= 0) {
      s.blocks.push_back(b);
      continue;
    }
    if (!may_preempt) return false;
    Sequence* victim = nullptr;
    for (auto it = running_.rbegin(); it != running_.rend(); ++it)
      if (!(*it)->finished) {
        victim = it->get();
        break;
      }
    if (victim == &s) return false;
    preempt(*victim);
  }
  return true;
}

bool Engine::plan_step(Plan& plan) {
  auto gone = [](const std::unique_ptr<Sequence>& s) { return s->finished; };
  running_.erase(std::remove_if(running_.begin(), running_.end(), gone), running_.end());
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), gone), waiting_.end());

  int reserve = static_cast<int>(
      std::count_if(running_.begin(), running_.end(), [](auto& s) { return !s->prefilling(); }));
  int budget = token_budget_;
  // The prompt work this step may carry without stalling the decoding sequences (step_cost.hpp).
  StepCost::Budget prefill = step_cost_.budget(reserve, max_decode_stall_);
  auto add_chunk = [&](const Sequence& s, int k) {  // k prompt tokens of s, from n_computed
    plan.n_prefill += k;
    plan.prefill_cells += StepCost::cells(k, s.n_computed);
    prefill.spend(k, s.n_computed);
  };
  for (size_t i = 0; i < running_.size(); ++i) {
    Sequence& s = *running_[i];
    const bool decode = !s.prefilling();
    if (decode) --reserve;
    int k = decode ? 1 : prefill.fit(s.n_computed, std::min(s.remaining(), budget - reserve));
    if (k <= 0) continue;
    if (!ensure_blocks(s, k, true)) {
      // Only s itself is left to give way: it is the newest running sequence.
      const int room = static_cast<int>(s.blocks.size()) * kBlockTokens - s.n_computed;
      if (!decode && room > 0) {
        k = std::min(k, room);
      } else if (running_.size() == 1) {
        // Alone and still out of room: the pool cannot hold this sequence any longer.
        finish(s, FinishReason::kLength);
        continue;
      } else {
        preempt(s);
        break;  // s was the last one
      }
    }
    plan.seqs.push_back(&s);
    plan.n_tok.push_back(k);
    budget -= k;
    if (decode) {
      ++plan.n_decode;
    } else {
      add_chunk(s, k);
    }
  }

  while (!waiting_.empty() && static_cast<int>(running_.size()) < max_running_ && budget > 0 &&
         prefill.has_room()) {
    Sequence& s = *waiting_.front();
    admit_prefix(s);
    int k = prefill.fit(s.n_computed, std::min(s.remaining(), budget));
    if (k <= 0 || !ensure_blocks(s, k, false)) {
      const int room = static_cast<int>(s.blocks.size()) * kBlockTokens - s.n_computed;
      if (k <= 0 || room <= 0) {
        // No budget or no room now: give the prefix back (it stays cached) and wait.
        release_blocks(s);
        s.n_computed = s.n_published = 0;
        s.last_hash = tenant_seed(s.req->options.tenant);
        break;
      }
      k = room;
    }
    if (!s.admitted_once) {
      s.admitted_once = true;
      std::lock_guard<std::mutex> lock(s.req->mu);
      s.req->usage.cached_prompt_tokens = s.n_computed;
      s.req->timings.queue_ms =
          std::chrono::duration<double, std::milli>(Clock::now() - s.req->submitted).count();
    }
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    plan.seqs.push_back(&s);
    plan.n_tok.push_back(k);
    budget -= k;
    add_chunk(s, k);
  }
  return !plan.seqs.empty();
}

}  // namespace hearth::engine
