// Constructors of the tokenizer families (src/tokenizer/{spm,bpe,wordpiece}.cpp).
#pragma once

#include <memory>

#include "hearth/tokenizer.hpp"

namespace hearth::tok {

std::shared_ptr<const Tokenizer> make_spm_tokenizer(const GgufFile& file);
std::shared_ptr<const Tokenizer> make_bpe_tokenizer(const GgufFile& file);
std::shared_ptr<const Tokenizer> make_wordpiece_tokenizer(const GgufFile& file);

}  // namespace hearth::tok
