#include "safety/matcher.hpp"

#include <algorithm>

#include "safety/normalize.hpp"

namespace hearth::safety {

int32_t scan_terms(const CompiledLevel& c, const std::string& view, size_t from, bool final,
                   size_t* hold) {
  if (c.terms.empty()) return -1;
  const AhoCorasick& ac = c.terms;
  int32_t state = ac.start();
  const auto* text = reinterpret_cast<const unsigned char*>(view.data());
  const size_t n = view.size();
  for (size_t i = 0; i < n; ++i) {
    state = ac.next(state, text[i]);
    for (int32_t o = ac.output(state); o >= 0; o = ac.next_output(o)) {
      const size_t end = i + 1;
      const size_t start = end - static_cast<size_t>(ac.output_length(o));
      if (end <= from) continue;
      const int32_t rule = ac.output_id(o);
      if (c.whole_word[rule]) {
        // Boundaries matter only where the term itself begins/ends with a word character.
        if (is_word_byte(text[start]) && start > 0 && is_word_byte(text[start - 1])) continue;
        if (is_word_byte(text[end - 1])) {
          if (end == n && !final) continue;  // the next piece may extend the word
          if (end < n && is_word_byte(text[end])) continue;
        }
      }
      return rule;
    }
  }
  if (!final) *hold = std::min(*hold, n - static_cast<size_t>(ac.depth(state)));
  return -1;
}

int32_t scan_regexes(const CompiledLevel& c, const std::string& view, size_t from, bool final,
                     pcre2_match_data* md, size_t* hold) {
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(view.data());
  const size_t n = view.size();
  const uint32_t options = final ? 0 : PCRE2_PARTIAL_HARD;
  for (const CompiledRegex& r : c.regexes) {
    // Start at `from`: released text holds no possible match start (it was released only
    // before the earliest hard-partial match, and a position that failed without reaching the
    // end cannot match later). Lookbehind and \b still see the text before the offset.
    size_t offset = from;
    while (offset <= n) {
      const int rc =
          pcre2_match(r.code, subject, n, offset, options | PCRE2_NO_UTF_CHECK, md, nullptr);
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      if (rc == PCRE2_ERROR_PARTIAL) {
        *hold = std::min(*hold, static_cast<size_t>(ov[0]));
        break;
      }
      if (rc < 0) break;  // no match (or a match limit: treated as none)
      const size_t s = ov[0], e = ov[1];
      if (e > from && e > s) return r.rule;
      offset = e > s ? e : s + 1;
      while (offset < n && (view[offset] & 0xC0) == 0x80) ++offset;  // next character
    }
  }
  return -1;
}

}  // namespace hearth::safety
