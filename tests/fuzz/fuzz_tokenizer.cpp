// libFuzzer target: tokenizing arbitrary bytes (invalid UTF-8, NULs, special-token text) with
// and without parse_special, then decoding, must never crash.
#include <cstdint>
#include <string_view>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

namespace {
const hearth::Tokenizer& tokenizer(int which) {
  static const auto bpe = hearth::Tokenizer::from_gguf(*hearth::GgufFile::open(
      std::string(HEARTH_TEST_DATA) + "/testdata/tokenizer/ggml-vocab-llama-bpe.gguf"));
  static const auto spm = hearth::Tokenizer::from_gguf(*hearth::GgufFile::open(
      std::string(HEARTH_TEST_DATA) + "/testdata/tokenizer/ggml-vocab-llama-spm.gguf"));
  return which ? *spm : *bpe;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& tok = tokenizer(data[0] & 1);
  const auto ids = tok.encode(text, data[0] & 2, data[0] & 4);
  (void)tok.decode(ids);
  hearth::StreamingDetokenizer stream(tok);
  for (int32_t id : ids) (void)stream.push(id);
  (void)stream.flush();
  return 0;
}
