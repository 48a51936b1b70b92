#include "approx_tokenizer.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "hearth/error.hpp"

namespace hearth::cli {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// GPT-2 byte-level: each byte is written as a printable code point (< 0x800 for all bytes).
std::string gpt2_encode(const std::string& text) {
  uint32_t map[256];
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    map[b] = printable ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + n++);
  }
  std::string out;
  for (unsigned char c : text) append_utf8(out, map[c]);
  return out;
}

}  // namespace

std::vector<int32_t> approx_tokenize(const GgufFile& file, const std::string& text, bool add_bos) {
  const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens) fail(Status::kInvalidModel, "the model has no tokenizer.ggml.tokens");
  const std::string model = file.get_string("tokenizer.ggml.model").value_or("llama");
  const bool byte_level = model == "gpt2";
  std::string s;
  if (byte_level) {
    s = gpt2_encode(text);
  } else {
    s = "\xE2\x96\x81";  // SentencePiece's dummy prefix
    for (char c : text) s += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
  }
  std::unordered_map<std::string, int32_t> index;
  size_t longest = 1;
  for (size_t i = 0; i < tokens->size(); ++i) {
    index.emplace((*tokens)[i], static_cast<int32_t>(i));
    longest = std::max(longest, (*tokens)[i].size());
  }
  std::vector<int32_t> ids;
  if (add_bos)
    if (auto bos = file.get_int("tokenizer.ggml.bos_token_id");
        bos && *bos >= 0 && static_cast<size_t>(*bos) < tokens->size() &&
        file.get_bool("tokenizer.ggml.add_bos_token").value_or(!byte_level))
      ids.push_back(static_cast<int32_t>(*bos));
  for (size_t pos = 0; pos < s.size();) {
    size_t len = std::min(longest, s.size() - pos);
    for (; len > 0; --len) {
      auto it = index.find(s.substr(pos, len));
      if (it != index.end()) {
        ids.push_back(it->second);
        break;
      }
    }
    if (len == 0) {  // no token: SentencePiece byte fallback <0xNN>
      auto it = index.find(fmt::format("<0x{:02X}>", static_cast<unsigned char>(s[pos])));
      if (it == index.end())
        fail(Status::kInvalidArgument, fmt::format("cannot tokenize byte 0x{:02X} of the prompt",
                                                   static_cast<unsigned char>(s[pos])));
      ids.push_back(it->second);
      len = 1;
    }
    pos += len;
  }
  return ids;
}

}  // namespace hearth::cli
