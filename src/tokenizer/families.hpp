// Constructors of the tokenizer families (src/tokenizer/{spm,bpe,wordpiece}.cpp).
#pragma once

#include <memory>

#include "hearth/tokenizer.hpp"
#include "tokenizer/merge_table.hpp"

namespace hearth::tok {

std::shared_ptr<const Tokenizer> make_spm_tokenizer(const GgufFile& file);
std::shared_ptr<const Tokenizer> make_bpe_tokenizer(const GgufFile& file);
std::shared_ptr<const Tokenizer> make_wordpiece_tokenizer(const GgufFile& file);

// tokenizer.ggml.merges ("left right", rank = index) over `vocab`'s ids; throws kInvalidModel
// when absent.
MergeTable load_merge_ranks(const GgufFile& file, const StringTable& vocab);

}  // namespace hearth::tok
