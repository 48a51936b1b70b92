// What peer.cpp --parallel S times: the prompt is evaluated once, S sequences continue from its
// KV and decode greedily together, one token each per forward pass, for n_gen passes; the figure
// is S * n_gen / (time of those passes). Here the prompt is evaluated once by a warm-up request,
// whose full blocks the S requests then share (prefix cache); each recomputes only the prompt's
// last partial block, samples its first token in that step (peer: the first token comes from the
// prompt's logits), and the timed phase is the n_gen decode steps that follow: from the step in
// which the last sequence sampled its first token to the one in which the last sampled its
// (n_gen + 1)-th. Generation is greedy and stops early only at an end-of-generation token; the
// figure counts the tokens actually decoded.
#include "bench_parallel.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "engine/engine.hpp"
#include "hearth/error.hpp"

namespace hearth::cli {

std::vector<double> bench_parallel(const std::shared_ptr<const Model>& model,
                                   const std::vector<int32_t>& prompt, const ParallelBench& b) {
  using engine::kBlockTokens;
  using Clock = std::chrono::steady_clock;
  const int n_prompt = static_cast<int>(prompt.size());
  engine::EngineParams ep;
  ep.n_ctx = n_prompt + b.n_gen + 16;
  ep.n_threads = b.threads;
  ep.max_running = b.sequences;
  ep.token_budget = std::max(b.batch, b.sequences * (kBlockTokens + 1));
  // The shared prompt once, plus each sequence's own blocks (its copy of the prompt's last
  // partial block and its generated tokens): no preemption during the timed phase.
  const int own = (kBlockTokens + b.n_gen + 1 + kBlockTokens - 1) / kBlockTokens + 1;
  ep.kv_blocks = (n_prompt + kBlockTokens - 1) / kBlockTokens + b.sequences * own;
  engine::Engine eng(model, ep);

  std::vector<double> rates;
  for (int rep = 0; rep < b.reps; ++rep) {
    engine::RequestOptions warm;
    warm.prompt = prompt;
    warm.max_tokens = 1;
    eng.submit(warm)->wait(-1);

    // on_logits runs on the engine thread once per sampled token, right after the forward pass
    // that produced its logits.
    std::mutex mu;
    std::vector<int> sampled(b.sequences, 0);
    Clock::time_point start{}, end{};
    std::vector<engine::RequestOptions> opts;
    for (int s = 0; s < b.sequences; ++s) {
      engine::RequestOptions o;
      o.prompt = prompt;
      o.max_tokens = b.n_gen + 1;
      o.on_logits = [&, s](const float*, int) {
        const auto now = Clock::now();
        std::lock_guard<std::mutex> lock(mu);
        if (++sampled[s] == 1)
          start = std::max(start, now);
        else
          end = std::max(end, now);
      };
      opts.push_back(std::move(o));
    }
    // Queued at once: admitted together, their first tokens come from the same step.
    for (auto& r : eng.submit_all(std::move(opts))) r->wait(-1);
    int decoded = 0;
    for (int n : sampled) decoded += std::max(0, n - 1);
    const double seconds = std::chrono::duration<double>(end - start).count();
    if (decoded > 0 && seconds > 0) rates.push_back(decoded / seconds);
  }
  if (eng.stats().preemptions > 0)
    fail(Status::kInternal, "bench --parallel: the engine preempted (pool sized too small)");
  return rates;
}

}  // namespace hearth::cli
