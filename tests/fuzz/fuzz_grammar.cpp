// libFuzzer target: any bytes as a GBNF grammar (first byte even) or as a JSON Schema (odd) must
// parse/convert or fail with hearth::Error(kInvalidArgument) — never crash, hang or overflow the
// stack. A grammar that parses is also driven through the matcher over the rest of the input's
// bytes, and a converted schema's grammar must itself parse.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "grammar/gbnf.hpp"
#include "grammar/json_schema.hpp"
#include "grammar/matcher.hpp"
#include "hearth/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] % 2 == 0) {
      hearth::grammar::GrammarMatcher m(hearth::grammar::parse_gbnf(text));
      int32_t s = m.initial();
      for (size_t i = 0; i < text.size() && i < 256 && s != hearth::grammar::kDead; ++i) {
        s = m.step(s, static_cast<uint8_t>(text[i]));
        if (s != hearth::grammar::kDead) (void)m.token_may_end(s);
      }
    } else {
      (void)hearth::grammar::json_schema_to_gbnf(text);
    }
  } catch (const hearth::Error& e) {
    if (e.status() != hearth::Status::kInvalidArgument) std::abort();
  }
  return 0;
}
