// The compiled form of a rule set at one level and the scans the filter runs over it (internal
// to src/safety/).
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <string>
#include <vector>

#include "safety/aho_corasick.hpp"
#include "safety/rules.hpp"

namespace hearth::safety {

struct CompiledRegex {
  pcre2_code* code = nullptr;
  int32_t rule = -1;
};

struct CompiledLevel {
  bool leet = false;             // terms match the leet view
  AhoCorasick terms;             // ids: rule indices
  std::vector<bool> whole_word;  // per rule index
  std::vector<CompiledRegex> regexes;
  ~CompiledLevel();
};

// Scans `view` for the first rule match that ends after view offset `from` (what lies before
// was released already; regular expressions start matching at `from`). Not final: a match touching
// the end of the view is not decided yet. Returns the rule index or -1, and lowers *hold to the
// earliest view offset at which a match may still be completed by text not seen yet.
int32_t scan_terms(const CompiledLevel& c, const std::string& view, size_t from, bool final,
                   size_t* hold);
int32_t scan_regexes(const CompiledLevel& c, const std::string& view, size_t from, bool final,
                     pcre2_match_data* md, size_t* hold);

}  // namespace hearth::safety
