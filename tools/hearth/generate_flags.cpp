#include "generate_flags.hpp"

#include <fmt/format.h>

#include "grammar/json_schema.hpp"
#include "hearth/error.hpp"
#include "text_file.hpp"

namespace hearth::cli {

int to_int(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    const int n = std::stoi(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  fail(Status::kInvalidArgument, fmt::format("{}: '{}' is not an integer", flag, v));
}

float to_float(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    const float f = std::stof(v, &used);
    if (used == v.size()) return f;
  } catch (const std::exception&) {
  }
  fail(Status::kInvalidArgument, fmt::format("{}: '{}' is not a number", flag, v));
}

uint64_t to_u64(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    if (!v.empty() && v[0] != '-') {
      const unsigned long long n = std::stoull(v, &used);
      if (used == v.size()) return n;
    }
  } catch (const std::exception&) {
  }
  fail(Status::kInvalidArgument, fmt::format("{}: '{}' is not a non-negative integer", flag, v));
}

const char* const kSamplingHelp =
    "sampling, applied in this order (defaults: greedy, every stage off):\n"
    "  --repeat-penalty R     divide positive / multiply negative logits of recent tokens (1)\n"
    "  --frequency-penalty F  subtract F x occurrences in the recent tokens (0)\n"
    "  --presence-penalty P   subtract P from every recent token (0)\n"
    "  --repeat-last-n N      recent tokens the penalties see (64; 0 off, -1 all)\n"
    "  --top-k K              keep the K most likely tokens (0: all)\n"
    "  --typical P            locally typical sampling mass (1: off)\n"
    "  --top-p P              nucleus mass (1: off)\n"
    "  --min-p P              drop tokens below P x the best probability (0: off)\n"
    "  --temp T               temperature (0: greedy)\n"
    "  --seed S               random seed (default: random; printed to stderr)\n"
    "  --stop STR             stop before STR (not printed); repeatable\n"
    "structured output (the grammar masks tokens before every other stage):\n"
    "  --grammar-file F       constrain the output to the GBNF grammar in F (start rule root)\n"
    "  --grammar TEXT         the same, the grammar given inline\n"
    "  --json-schema F        constrain the output to JSON valid against the JSON Schema in F\n"
    "                         ('{}' or {\"type\": \"object\"}: any JSON object)\n";

bool parse_generate_flag(const std::string& a, const std::string& v, GenerateOptions& opt) {
  SamplerConfig& s = opt.sampler;
  if (a == "--temp")
    s.temperature = to_float(a, v);
  else if (a == "--top-k")
    s.top_k = to_int(a, v);
  else if (a == "--top-p")
    s.top_p = to_float(a, v);
  else if (a == "--min-p")
    s.min_p = to_float(a, v);
  else if (a == "--typical")
    s.typical_p = to_float(a, v);
  else if (a == "--repeat-penalty")
    s.repeat_penalty = to_float(a, v);
  else if (a == "--repeat-last-n")
    s.penalty_last_n = to_int(a, v);
  else if (a == "--frequency-penalty")
    s.frequency_penalty = to_float(a, v);
  else if (a == "--presence-penalty")
    s.presence_penalty = to_float(a, v);
  else if (a == "--seed")
    s.seed = to_u64(a, v);
  else if (a == "--stop")
    opt.stop_strings.push_back(v);
  else if (a == "--grammar-file")
    s.grammar = read_text_file(v);
  else if (a == "--grammar")
    s.grammar = v;
  else if (a == "--json-schema")
    s.grammar = grammar::json_schema_to_gbnf(read_text_file(v));
  else
    return false;
  return true;
}

}  // namespace hearth::cli
