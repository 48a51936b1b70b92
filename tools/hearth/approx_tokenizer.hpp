// A stand-in for the real tokenizer (src/tokenizer, not yet in this build) so that
// `hearth run -p TEXT` works: greedy longest match over tokenizer.ggml.tokens, with
// SentencePiece's "▁" for spaces (and a leading one) or GPT-2's byte-to-unicode mapping, byte
// fallback tokens for anything unmatched, and BOS when the model asks for it. It is NOT
// llama.cpp's tokenization (BPE merges / SPM scores decide there); replace its one call in
// cmd_run.cpp with the real tokenizer when that lands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"

namespace hearth::cli {

std::vector<int32_t> approx_tokenize(const GgufFile& file, const std::string& text, bool add_bos);

}  // namespace hearth::cli
