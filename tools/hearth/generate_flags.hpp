// Command-line values and the sampling / stop flags that `hearth run` and `hearth chat` share.
#pragma once

#include <cstdint>
#include <string>

#include "generate/generate.hpp"

namespace hearth::cli {

// Parse `value` given to `flag`; throw Error(kInvalidArgument) naming both when malformed.
int to_int(const std::string& flag, const std::string& value);
float to_float(const std::string& flag, const std::string& value);
uint64_t to_u64(const std::string& flag, const std::string& value);

// Help lines for the flags parse_generate_flag understands.
extern const char* const kSamplingHelp;

// Applies `flag value` when it is a sampling or stop flag (--temp, --top-k, --top-p, --min-p,
// --typical, --repeat-penalty, --repeat-last-n, --frequency-penalty, --presence-penalty, --seed,
// --stop, --grammar-file, --grammar, --json-schema); returns false for any other flag.
bool parse_generate_flag(const std::string& flag, const std::string& value, GenerateOptions& opt);

}  // namespace hearth::cli
