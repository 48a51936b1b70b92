// Constructors of the tokenizer families (src/tokenizer/{spm,bpe,wordpiece}.cpp).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "hearth/tokenizer.hpp"

namespace hearth::tok {

std::shared_ptr<const Tokenizer> make_spm_tokenizer(const GgufFile& file);
std::shared_ptr<const Tokenizer> make_bpe_tokenizer(const GgufFile& file);
std::shared_ptr<const Tokenizer> make_wordpiece_tokenizer(const GgufFile& file);

// tokenizer.ggml.merges as "left right" -> rank (its index); throws kInvalidModel when absent.
std::unordered_map<std::string, int> load_merge_ranks(const GgufFile& file);

}  // namespace hearth::tok
