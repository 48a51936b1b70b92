// Chunking: a document's text -> overlapping passages of at most max_tokens tokens (as the
// embedding model counts them), cut on paragraph boundaries where possible.
//
// Units: paragraphs (text between blank lines). A paragraph longer than a chunk is cut into
// sentences, a sentence longer than a piece into words, and a word longer than a chunk (a URL,
// base64) into byte slices on UTF-8 boundaries. Units are packed greedily into chunks; the
// next chunk starts with the last units of the previous one that fit in overlap_tokens.
// A chunk is one contiguous range of the text (separators between its units included).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::kb {

struct ChunkParams {
  int max_tokens = 256;
  int overlap_tokens = 32;
};

struct ChunkSpan {
  size_t byte_start = 0;
  size_t byte_end = 0;  // exclusive
  int n_tokens = 0;
};

using TokenCounter = std::function<int(std::string_view)>;

// kInvalidArgument for max_tokens < 8 or overlap outside [0, max_tokens / 2].
void validate_chunk_params(const ChunkParams& params);

std::vector<ChunkSpan> chunk_text(const std::string& text, const ChunkParams& params,
                                  const TokenCounter& count_tokens);

}  // namespace hearth::kb
