#include "kb/chunker.hpp"

#include <algorithm>

#include "hearth/error.hpp"

namespace hearth::kb {
namespace {

struct Unit {
  size_t start, end;
  int tokens;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// [start, end) with surrounding whitespace removed; start == end when nothing is left.
void trim(const std::string& t, size_t& start, size_t& end) {
  while (start < end && is_space(t[start])) ++start;
  while (end > start && is_space(t[end - 1])) --end;
}

// Paragraphs: ranges separated by a line that is empty or only whitespace.
std::vector<std::pair<size_t, size_t>> paragraphs(const std::string& t) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t para_start = 0, i = 0;
  while (i < t.size()) {
    if (t[i] != '\n') {
      ++i;
      continue;
    }
    // Look for a blank line after this newline.
    size_t j = i + 1;
    while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r')) ++j;
    if (j < t.size() && t[j] == '\n') {
      size_t s = para_start, e = i;
      trim(t, s, e);
      if (s < e) out.emplace_back(s, e);
      while (j < t.size() && is_space(t[j])) ++j;
      para_start = i = j;
    } else {
      i = j;
    }
  }
  size_t s = para_start, e = t.size();
  trim(t, s, e);
  if (s < e) out.emplace_back(s, e);
  return out;
}

class Splitter {
 public:
  Splitter(const std::string& t, const ChunkParams& p, const TokenCounter& count)
      : t_(t),
        p_(p),
        count_(count),
        // Pieces of long paragraphs are a fraction of a chunk so that packing and overlap have
        // room to work.
        piece_max_(std::max(1, std::min(p.max_tokens / 4, std::max(p.overlap_tokens, 8)))) {}

  int count(size_t s, size_t e) const { return count_(std::string_view(t_).substr(s, e - s)); }

  void paragraph(size_t s, size_t e, std::vector<Unit>& out) {
    const int n = count(s, e);
    if (n <= p_.max_tokens) {
      out.push_back({s, e, n});
      return;
    }
    // Sentences: end after . ! ? followed by whitespace, or at a newline.
    size_t ss = s;
    for (size_t i = s; i < e; ++i) {
      const bool end_here = t_[i] == '\n' || ((t_[i] == '.' || t_[i] == '!' || t_[i] == '?') &&
                                              i + 1 < e && is_space(t_[i + 1]));
      if (end_here || i + 1 == e) {
        size_t a = ss, b = i + 1;
        trim(t_, a, b);
        if (a < b) sentence(a, b, out);
        ss = i + 1;
      }
    }
  }

 private:
  void sentence(size_t s, size_t e, std::vector<Unit>& out) {
    const int n = count(s, e);
    if (n <= piece_max_) {
      out.push_back({s, e, n});
      return;
    }
    // Words, grouped into pieces of at most piece_max_ tokens.
    size_t piece_start = s, piece_end = s;
    int piece_tokens = 0;
    size_t i = s;
    while (i < e) {
      size_t ws = i;
      while (ws < e && is_space(t_[ws])) ++ws;
      size_t we = ws;
      while (we < e && !is_space(t_[we])) ++we;
      if (ws == we) break;
      const int wt = count(ws, we);
      if (wt > p_.max_tokens) {
        if (piece_end > piece_start) out.push_back({piece_start, piece_end, piece_tokens});
        long_word(ws, we, wt, out);
        piece_start = piece_end = we;
        piece_tokens = 0;
      } else if (piece_end > piece_start && piece_tokens + wt > piece_max_) {
        out.push_back({piece_start, piece_end, piece_tokens});
        piece_start = ws;
        piece_end = we;
        piece_tokens = wt;
      } else {
        if (piece_end == piece_start) piece_start = ws;
        piece_end = we;
        piece_tokens += wt;
      }
      i = we;
    }
    if (piece_end > piece_start) out.push_back({piece_start, piece_end, piece_tokens});
  }

  // Byte slices on UTF-8 boundaries, each within max_tokens.
  void long_word(size_t s, size_t e, int tokens, std::vector<Unit>& out) {
    while (s < e) {
      size_t len = std::max<size_t>(1, (e - s) * static_cast<size_t>(p_.max_tokens) /
                                           static_cast<size_t>(std::max(tokens, 1)) * 9 / 10);
      for (;;) {
        size_t end = std::min(e, s + len);
        while (end < e && end > s + 1 && (static_cast<unsigned char>(t_[end]) & 0xC0) == 0x80)
          --end;
        const int n = count(s, end);
        if (n <= p_.max_tokens || end - s <= 4) {
          out.push_back({s, end, n});
          tokens = count(end, e);
          s = end;
          break;
        }
        len = (end - s) / 2;
      }
    }
  }

  const std::string& t_;
  const ChunkParams& p_;
  const TokenCounter& count_;
  int piece_max_;
};

}  // namespace

void validate_chunk_params(const ChunkParams& p) {
  if (p.max_tokens < 8 || p.overlap_tokens < 0 || p.overlap_tokens > p.max_tokens / 2)
    hearth::fail(Status::kInvalidArgument,
                 "chunk size must be at least 8 tokens and the overlap at most half of it (got " +
                     std::to_string(p.max_tokens) + " and " + std::to_string(p.overlap_tokens) +
                     ")");
}

std::vector<ChunkSpan> chunk_text(const std::string& text, const ChunkParams& params,
                                  const TokenCounter& count_tokens) {
  validate_chunk_params(params);
  Splitter split(text, params, count_tokens);
  std::vector<Unit> units;
  for (const auto& [s, e] : paragraphs(text)) split.paragraph(s, e, units);

  std::vector<ChunkSpan> chunks;
  size_t i = 0;
  while (i < units.size()) {
    size_t j = i;
    int sum = 0;
    while (j < units.size() && (j == i || sum + units[j].tokens <= params.max_tokens))
      sum += units[j++].tokens;
    // The separators between units may add tokens: measure the real range and give back
    // units until it fits.
    int n = split.count(units[i].start, units[j - 1].end);
    while (n > params.max_tokens && j - 1 > i) {
      --j;
      n = split.count(units[i].start, units[j - 1].end);
    }
    chunks.push_back({units[i].start, units[j - 1].end, n});
    if (j == units.size()) break;
    // Overlap: the last units of this chunk that fit in overlap_tokens start the next one.
    size_t next = j;
    int carried = 0;
    while (next - 1 > i && carried + units[next - 1].tokens <= params.overlap_tokens)
      carried += units[--next].tokens;
    i = next;
  }
  return chunks;
}

}  // namespace hearth::kb
