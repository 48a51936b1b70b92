#include "safety/redact.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <functional>

namespace hearth::safety {
namespace {

// Compiled once, shared by all threads (matching a pcre2_code is thread-safe).
class Pattern {
 public:
  explicit Pattern(const char* re) {
    int err = 0;
    PCRE2_SIZE off = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re), PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err,
                          &off, nullptr);
    if (code_) pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);
  }
  ~Pattern() { pcre2_code_free(code_); }
  // Replaces every match for which `keep` returns a replacement (nullptr: leave it).
  std::string replace(const std::string& text,
                      const std::function<const char*(std::string_view)>& mask) const {
    std::string out;
    pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0, copied = 0;
    while (code_ && pos <= text.size() &&
           pcre2_match(code_, subject, text.size(), pos, 0, md, nullptr) >= 0) {
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      const size_t s = ov[0], e = ov[1];
      const char* repl = e > s ? mask(std::string_view(text).substr(s, e - s)) : nullptr;
      if (repl) {
        out.append(text, copied, s - copied);
        out += repl;
        copied = e;
      }
      pos = e > s ? e : s + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
    pcre2_match_data_free(md);
    out.append(text, copied, std::string::npos);
    return out;
  }

 private:
  pcre2_code* code_ = nullptr;
};

size_t count_digits(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c >= '0' && c <= '9';
  return n;
}

}  // namespace

bool luhn_valid(std::string_view s) {
  int sum = 0;
  bool twice = false;
  size_t n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (*it < '0' || *it > '9') continue;
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
    ++n;
  }
  return n > 0 && sum % 10 == 0;
}

std::string redact(std::string_view text, const RedactOptions& options) {
  static const Pattern email(
      R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})");
  // Whole digit runs: no digit (or separator + digit) may continue the number on either side.
  static const Pattern card(R"((?<![\d])(?:\d[ \-]?){12,18}\d(?![ \-]?\d))");
  static const Pattern phone(
      R"((?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}(?:[ .\-]?\d{2,4}){1,4}(?![ .\-]?\d)(?!\w))");
  std::string out(text);
  if (options.email) out = email.replace(out, [](std::string_view) { return "[EMAIL]"; });
  if (options.card)
    out = card.replace(out, [](std::string_view m) {
      const size_t n = count_digits(m);
      return n >= 13 && n <= 19 && luhn_valid(m) ? "[CARD]" : nullptr;
    });
  if (options.phone)
    out = phone.replace(out, [](std::string_view m) -> const char* {
      const size_t n = count_digits(m);
      if (n < 7 || n > 15) return nullptr;
      // A bare digit run or an ISO date is not a phone number.
      const bool marked = m.find_first_of("+( .-") != std::string_view::npos;
      const bool iso_date = m.size() == 10 && m[4] == '-' && m[7] == '-';
      return marked && !iso_date ? "[PHONE]" : nullptr;
    });
  return out;
}

}  // namespace hearth::safety
