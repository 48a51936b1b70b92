// tokenizer.json (+ tokenizer_config.json, special_tokens_map.json) -> GGUF tokenizer metadata,
// following llama.cpp's converter so that both runtimes tokenize converted files alike:
//  - BPE with byte fallback and a Sequence decoder on a llama-family model (SentencePiece
//    exported by transformers): tokenizer.ggml.model "llama", pre "default", every score
//    -1000, token types CONTROL (special tokens) / BYTE (<0xXX>) / NORMAL, no merges;
//  - any other BPE (Qwen2/3, Llama 3): model "gpt2" with merges, types NORMAL / CONTROL
//    (special added tokens) / USER_DEFINED (other added tokens) / UNUSED (ids padded up to
//    config vocab_size as "[PADn]"), and a pre-tokenizer name.
// Special token ids come from tokenizer_config.json (matched against added tokens), then
// config.json's *_token_id; add_bos/add_eos and chat_template from tokenizer_config.json.
#pragma once

#include <string>

#include "convert/hf_config.hpp"
#include "hearth/gguf.hpp"

namespace hearth::convert {

// Throws kIoError (no tokenizer.json), kInvalidModel (malformed), kUnsupported (non-BPE).
// Returns the number of tokens written.
size_t write_hf_tokenizer(const std::string& dir, const HfConfig& config, GgufWriter& writer);

}  // namespace hearth::convert
