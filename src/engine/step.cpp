// Engine::run_step: one forward pass over the planned tokens of every scheduled sequence, then
// a token sampled for each sequence whose prompt is done, its text streamed, and the outcome
// recorded. The forward pass and the callbacks run without the engine's lock.
#include <fmt/format.h>

#include <algorithm>

#include "context/forward_batch.hpp"
#include "core/thread_pool.hpp"
#include "engine/engine.hpp"
#include "engine/paged_kv.hpp"
#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "platform/per_thread.hpp"

namespace hearth::engine {
namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// What sampling decided for one sequence.
struct Outcome {
  bool sampled = false;
  int token = -1;
  std::string text;
  FinishReason reason = FinishReason::kNone;
  std::string error;
  std::string blocked_category;
};

// Passes the step's final text through the request's OutputScreen (if any): only what the
// screen releases is delivered, and a block ends the request. At the end of a request the
// screen also releases (or blocks) what it still held back.
void screen_output(OutputScreen& screen, Outcome& o) {
  OutputScreen::Step st = screen.feed(o.text);
  if (!st.blocked && o.reason != FinishReason::kNone) {
    OutputScreen::Step end = screen.finish();
    st.release += end.release;
    st.blocked = end.blocked;
    st.category = std::move(end.category);
  }
  o.text = std::move(st.release);
  if (st.blocked) {
    o.reason = FinishReason::kContentFilter;
    o.blocked_category = std::move(st.category);
  }
}

void deliver(Request& r, int token, const std::string& text) {
  if (r.options.on_piece) {
    r.options.on_piece(token, text);
    return;
  }
  if (text.empty()) return;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    r.pieces.push_back(text);
  }
  r.cv.notify_all();
}

}  // namespace

void Engine::run_step(Plan& plan) {
  const int n_vocab = model_->config().n_vocab;
  const size_t n_seqs = plan.seqs.size();
  std::vector<int32_t> tokens;
  std::vector<fwd::SeqSlice> slices(n_seqs);
  std::vector<const std::vector<int>*> tables(n_seqs);
  std::vector<int> logit_rows, logit_index(n_seqs, -1);
  for (size_t i = 0; i < n_seqs; ++i) {
    Sequence& s = *plan.seqs[i];
    const int k = plan.n_tok[i];
    slices[i] = {static_cast<int>(tokens.size()), k, s.n_computed, &s.tiled[s.n_computed]};
    tables[i] = &s.blocks;
    tokens.insert(tokens.end(), s.tokens.begin() + s.n_computed,
                  s.tokens.begin() + s.n_computed + k);
    if (s.n_computed + k == static_cast<int>(s.tokens.size())) {
      logit_index[i] = static_cast<int>(logit_rows.size());
      logit_rows.push_back(static_cast<int>(tokens.size()) - 1);
    }
  }

  std::vector<Outcome> out(n_seqs);
  std::string step_error;
  try {
    // The logit rows, in a buffer kept by the engine thread: no allocation and no zeroing of
    // megabytes (n_vocab floats per sequence) every step.
    struct LogitsTag {};
    std::vector<float>& logits = platform::per_thread<std::vector<float>, LogitsTag>();
    logits.resize(std::max(logits.size(), logit_rows.size() * static_cast<size_t>(n_vocab)));
    PagedKv kv(blocks_, tables, kv_dim_);
    fwd::forward_batch(*model_, pool_.get(), tokens.data(), static_cast<int>(tokens.size()),
                       slices.data(), static_cast<int>(n_seqs), kv, logit_rows.data(),
                       static_cast<int>(logit_rows.size()), logits.data());
    auto row_of = [&](size_t i) {
      return logits.data() + static_cast<size_t>(logit_index[i]) * n_vocab;
    };
    // The sequences that sample a token this step. Their samplers are independent (each its own
    // state; a grammar's vocabulary trie is shared read-only), so they run on the pool's
    // threads: at 8 sequences, 8 scans of a 152k vocabulary were ~3% of the step on the engine
    // thread alone while the other threads waited.
    std::vector<size_t> sampling;
    for (size_t i = 0; i < n_seqs; ++i) {
      Sequence& s = *plan.seqs[i];
      s.n_computed += plan.n_tok[i];
      if (logit_index[i] >= 0 && !s.req->cancel_requested.load()) sampling.push_back(i);
    }
    parallel_for(pool_.get(), static_cast<int64_t>(sampling.size()), [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) {
        const size_t i = sampling[j];
        Outcome& o = out[i];
        try {
          o.token = plan.seqs[i]->sampler.sample(row_of(i), n_vocab);
          o.sampled = true;
        } catch (const std::exception& ex) {
          o.reason = FinishReason::kError;
          o.error = ex.what();
        }
      }
    });
    const Tokenizer* tok = model_->tokenizer();
    for (size_t i : sampling) {
      Sequence& s = *plan.seqs[i];
      Outcome& o = out[i];
      // The sampler failed, or a cancel came while the samplers ran (as before the loop: no
      // more text for a cancelled request).
      if (!o.sampled || s.req->cancel_requested.load()) continue;
      try {
        if (s.req->options.on_logits) s.req->options.on_logits(row_of(i), n_vocab);
        if (s.n_sampled++ == 0) {
          std::lock_guard<std::mutex> lock(s.req->mu);
          s.req->timings.first_token_ms = ms_since(s.req->submitted);
        }
        // The same stop rules as generate().
        if (model_->is_eog(o.token)) {
          o.reason = FinishReason::kStop;
          o.text = s.stream.finish();
        } else {
          s.sampler.accept(o.token);
          StopStringStream::Step st = s.stream.push(tok ? tok->token_to_piece(o.token) : "");
          const int n_gen = static_cast<int>(s.tokens.size()) -
                            static_cast<int>(s.req->options.prompt.size()) + 1;
          const bool out_of_tokens = n_gen >= s.req->options.max_tokens;
          const bool out_of_context = s.n_computed >= n_ctx_;
          if (st.stopped) {
            o.reason = FinishReason::kStop;
          } else if (out_of_tokens || out_of_context) {
            st.text += s.stream.finish();
            o.reason = FinishReason::kLength;
          }
          o.text = std::move(st.text);
          {
            std::lock_guard<std::mutex> lock(s.req->mu);
            s.req->tokens.push_back(o.token);
          }
        }
        if (s.req->options.output_screen) screen_output(*s.req->options.output_screen, o);
        if (!o.text.empty() || o.reason == FinishReason::kNone)
          deliver(*s.req, model_->is_eog(o.token) ? -1 : o.token, o.text);
      } catch (const std::exception& e) {
        o.reason = FinishReason::kError;
        o.error = e.what();
      }
    }
  } catch (const std::exception& e) {
    step_error = e.what();
  }

  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.steps;
  counters_.tokens_processed += tokens.size();
  for (size_t i = 0; i < n_seqs; ++i) {
    Sequence& s = *plan.seqs[i];
    s.in_flight = false;
    if (s.finished) continue;
    if (!step_error.empty()) {
      finish(s, FinishReason::kError, step_error);
      continue;
    }
    publish_full_blocks(s);
    const Outcome& o = out[i];
    if (s.req->cancel_requested.load()) {
      finish(s, FinishReason::kCancelled);
    } else if (o.reason != FinishReason::kNone) {
      if (o.reason == FinishReason::kContentFilter) {
        std::lock_guard<std::mutex> req_lock(s.req->mu);
        s.req->blocked_category = o.blocked_category;
      }
      finish(s, o.reason, o.error);
    } else if (o.sampled) {
      s.tokens.push_back(o.token);
      s.tiled.push_back(0);  // Context decodes sampled tokens one at a time: one-row algorithm
    }
  }
}

}  // namespace hearth::engine
