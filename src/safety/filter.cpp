#include "safety/filter.hpp"

#include <algorithm>

#include "hearth/error.hpp"
#include "safety/matcher.hpp"
#include "safety/normalize.hpp"

namespace hearth::safety {
namespace {

// Bytes of released text kept as left context: enough for a word boundary or a short
// lookbehind, small enough to keep each step's rescan cheap.
constexpr size_t kContextBytes = 64;

size_t utf8_boundary_at_or_after(const std::string& s, size_t i) {
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

struct MatchData {
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  ~MatchData() { pcre2_match_data_free(md); }
};

// Runs the rules over `text` seen as a window whose first `from_raw` bytes were released
// already. Returns the matching rule (-1: none) and the raw offset from which text must be
// held back.
struct RuleScan {
  int32_t rule = -1;
  size_t hold_raw = 0;
};

RuleScan scan(const CompiledLevel& c, const std::string& text, size_t from_raw, bool final,
              NormalizedText& v, pcre2_match_data* md) {
  RuleScan r;
  auto from_view = [&](const NormalizedText& v) {
    return static_cast<size_t>(
        std::lower_bound(v.source.begin(), v.source.end(), static_cast<uint32_t>(from_raw)) -
        v.source.begin());
  };
  normalize(text, c.leet, final, v);
  const size_t from = from_view(v);
  size_t hold = v.text.size();
  r.rule = scan_terms(c, v.text, from, final, &hold);
  if (r.rule < 0) r.rule = scan_regexes(c, v.text, from, final, md, &hold);
  r.hold_raw = final ? text.size() : v.source[hold];
  return r;
}

Verdict rule_verdict(const RuleSet& rules, int32_t rule) {
  Verdict v;
  v.blocked = true;
  v.category = rules.rules()[static_cast<size_t>(rule)].category;
  v.rule_line = rules.rules()[static_cast<size_t>(rule)].line;
  return v;
}

}  // namespace

ContentFilter::ContentFilter(FilterConfig config) : config_(std::move(config)) {
  if (config_.level != Level::kOff && !config_.rules && !config_.policy)
    fail(Status::kInvalidArgument, "a content filter above level off needs rules or a policy");
  if (config_.max_hold_bytes < 64)
    fail(Status::kInvalidArgument, "max_hold_bytes must be at least 64");
}

Verdict ContentFilter::check(std::string_view text, Direction direction) const {
  if (config_.level != Level::kOff && config_.rules) {
    NormalizedText v;
    MatchData md;
    const RuleScan r =
        scan(config_.rules->compiled(config_.level), std::string(text), 0, true, v, md.md);
    if (r.rule >= 0) return rule_verdict(*config_.rules, r.rule);
  }
  if (config_.policy) {
    std::string category = config_.policy(text, direction);
    if (!category.empty()) return Verdict{true, std::move(category), 0};
  }
  return {};
}

struct OutputGuard::Scratch {
  NormalizedText view;
  MatchData md;
  std::string window;
};

OutputGuard::OutputGuard(const ContentFilter& filter)
    : filter_(filter), scratch_(std::make_unique<Scratch>()) {}

OutputGuard::~OutputGuard() = default;

OutputGuard::Step OutputGuard::feed(std::string_view piece) {
  if (verdict_.blocked) return {"", true};
  pending_.append(piece.data(), piece.size());
  return step(false);
}

OutputGuard::Step OutputGuard::finish() {
  if (verdict_.blocked) return {"", true};
  return step(true);
}

OutputGuard::Step OutputGuard::step(bool final) {
  const FilterConfig& cfg = filter_.config_;
  std::string& window = scratch_->window;
  window.assign(context_);
  window += pending_;
  const size_t from = context_.size();
  size_t hold = window.size();
  if (cfg.level != Level::kOff && cfg.rules) {
    const RuleScan r =
        scan(cfg.rules->compiled(cfg.level), window, from, final, scratch_->view, scratch_->md.md);
    if (r.rule >= 0) verdict_ = rule_verdict(*cfg.rules, r.rule);
    hold = r.hold_raw;
  }
  if (!verdict_.blocked && cfg.policy) {
    std::string category = cfg.policy(window, Direction::kOutput);
    if (!category.empty()) verdict_ = Verdict{true, std::move(category), 0};
  }
  if (verdict_.blocked) {
    pending_.clear();  // never released
    return {"", true};
  }
  hold = std::max(hold, from);
  if (window.size() - hold > cfg.max_hold_bytes)
    hold = utf8_boundary_at_or_after(window, window.size() - cfg.max_hold_bytes);
  Step out;
  out.release = window.substr(from, hold - from);
  pending_ = window.substr(hold);
  const size_t keep = window.size() - pending_.size();  // released text incl. old context
  const size_t ctx_start = std::min(
      keep, utf8_boundary_at_or_after(window, keep > kContextBytes ? keep - kContextBytes : 0));
  context_ = window.substr(ctx_start, keep - ctx_start);
  return out;
}

}  // namespace hearth::safety
