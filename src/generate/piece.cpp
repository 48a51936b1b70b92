#include "generate/piece.hpp"

#include <map>

namespace hearth {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// GPT-2's byte -> printable code point map, inverted (code point as UTF-8 -> byte).
std::map<std::string, char> gpt2_unicode_to_byte() {
  std::map<std::string, char> m;
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    std::string key;
    append_utf8(key, printable ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + n++));
    m[key] = static_cast<char>(b);
  }
  return m;
}

}  // namespace

size_t complete_utf8_prefix(const std::string& s) {
  // Walk back over at most 3 continuation bytes to the last lead byte.
  size_t i = s.size(), back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++back;
  if (i == 0) return back ? 0 : s.size();
  const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return back + 1 >= need ? s.size() : i - 1;
}

PieceTable::PieceTable(const GgufFile& file) {
  const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens) return;
  const std::string model = file.get_string("tokenizer.ggml.model").value_or("llama");
  const GgufValue* types = file.find("tokenizer.ggml.token_type");
  const bool byte_level = model == "gpt2";
  const auto table = byte_level ? gpt2_unicode_to_byte() : std::map<std::string, char>{};
  pieces_.reserve(tokens->size());
  for (size_t i = 0; i < tokens->size(); ++i) {
    const std::string& t = (*tokens)[i];
    const int64_t type = types && i < types->ints.size() ? types->ints[i] : 1;
    std::string out;
    if (type == 3) {  // control tokens (<s>, </s>, <|im_end|>) print nothing
    } else if (byte_level) {
      for (size_t p = 0; p < t.size();) {
        size_t len = 1;
        const unsigned char c = static_cast<unsigned char>(t[p]);
        if (c >= 0xC0) len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        auto it = table.find(t.substr(p, len));
        out += it != table.end() ? std::string(1, it->second) : t.substr(p, len);
        p += len;
      }
    } else if (type == 6 && t.size() == 6 && t.rfind("<0x", 0) == 0) {  // byte fallback
      out += static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16));
    } else {
      for (size_t p = 0; p < t.size();) {
        if (t.compare(p, 3, "\xE2\x96\x81") == 0) {  // U+2581 "▁"
          out += ' ';
          p += 3;
        } else {
          out += t[p++];
        }
      }
    }
    pieces_.push_back(std::move(out));
  }
}

const std::string& PieceTable::piece(int token) const {
  return token >= 0 && static_cast<size_t>(token) < pieces_.size() ? pieces_[token] : empty_;
}

}  // namespace hearth
