// Tokenizers against llama.cpp's own test vectors (../shared/testdata/tokenizer) and the
// reference prompts of the shared models.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "test_data.hpp"

using namespace hearth;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_cases(const std::string& text) {
  std::vector<std::string> cases;
  const std::string sep = "\n__ggml_vocab_test__\n";
  size_t start = 0;
  while (true) {
    const size_t at = text.find(sep, start);
    if (at == std::string::npos) {
      if (start < text.size()) cases.push_back(text.substr(start));
      break;
    }
    cases.push_back(text.substr(start, at - start));
    start = at + sep.size();
  }
  return cases;
}

std::vector<std::vector<int32_t>> parse_ids(const std::string& text) {
  std::vector<std::vector<int32_t>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream ids(line);
    std::vector<int32_t> v;
    int32_t id;
    while (ids >> id) v.push_back(id);
    out.push_back(v);
  }
  return out;
}

std::string show(const std::vector<int32_t>& v) {
  std::string s;
  for (auto id : v) s += std::to_string(id) + " ";
  return s;
}

class VocabVectors : public testing::TestWithParam<std::string> {};

TEST_P(VocabVectors, EncodeMatchesLlamaCpp) {
  const std::string path = test::data_path("testdata/tokenizer/ggml-vocab-" + GetParam() + ".gguf");
  HEARTH_REQUIRE_DATA(path);
  auto file = GgufFile::open(path);
  // Every family is supported: an unsupported one is a failure, not a skip.
  const std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(*file);
  ASSERT_NE(tok, nullptr);
  const auto cases = split_cases(slurp(path + ".inp"));
  const auto expected = parse_ids(slurp(path + ".out"));
  ASSERT_GE(expected.size(), cases.size());
  int failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto got = tok->encode(cases[i], false, false);
    if (got != expected[i]) {
      if (++failures <= 5)
        ADD_FAILURE() << GetParam() << " case " << i << " '" << cases[i] << "'\n  expected "
                      << show(expected[i]) << "\n  got      " << show(got);
    }
  }
  EXPECT_EQ(failures, 0) << failures << " of " << cases.size() << " cases differ";
  // Decoding the reference ids gives the input back, except for WordPiece (lower-cases, strips
  // accents and spacing by design).
  if (tok->kind() == Tokenizer::Kind::kWordPiece) return;
  int lossy = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string text = tok->decode(expected[i]);
    if (text != cases[i] && ++lossy <= 5)
      ADD_FAILURE() << GetParam() << " case " << i << " decodes to '" << text << "', not '"
                    << cases[i] << "'";
  }
  EXPECT_EQ(lossy, 0) << lossy << " of " << cases.size() << " cases do not round-trip";
}

INSTANTIATE_TEST_SUITE_P(Families, VocabVectors,
                         testing::Values("llama-spm", "phi-3", "gpt-2", "llama-bpe", "qwen2",
                                         "qwen35", "deepseek-llm", "deepseek-coder", "falcon",
                                         "mpt", "starcoder", "refact", "command-r", "bert-bge",
                                         "gemma-4"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(Tokenizer, ReferencePromptsOfTheSharedModels) {
  const auto dir = test::data_path("models/reference");
  HEARTH_REQUIRE_DATA(dir);
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() < 10 || name.substr(name.size() - 10) != ".text.json") continue;
    const auto ref = nlohmann::json::parse(slurp(e.path().string()));
    std::string model = ref["model"].get<std::string>();
    auto file = GgufFile::open(test::data_path("models/" + model));
    auto tok = Tokenizer::from_gguf(*file);
    ASSERT_NE(tok, nullptr) << model;
    const std::string prompt = model.rfind("real/", 0) == 0
                                   ? "Once upon a time"
                                   : "Hello, world! The quick brown fox jumps over the lazy dog.";
    EXPECT_EQ(tok->encode(prompt, true, false), ref["prompt_ids"].get<std::vector<int32_t>>())
        << model;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(Tokenizer, RoundTripsAndOddInput) {
  const auto path = test::data_path("testdata/tokenizer/ggml-vocab-llama-bpe.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto tok = Tokenizer::from_gguf(*GgufFile::open(path));
  for (const std::string text : {"Hello world", " leading space", "tabs\tand\nnewlines",
                                 "emoji 🦙 and 中文", "numbers 1234567"}) {
    EXPECT_EQ(tok->decode(tok->encode(text, false, false)), text);
  }
  EXPECT_TRUE(tok->encode("", false, false).empty());
  // Invalid UTF-8 becomes U+FFFD; embedded NULs are ordinary characters.
  EXPECT_EQ(tok->decode(tok->encode(std::string("a\xff"
                                                "b"),
                                    false, false)),
            "a\xEF\xBF\xBD"
            "b");
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(tok->decode(tok->encode(with_nul, false, false)), with_nul);
  // Special tokens: only parsed when asked.
  const auto plain = tok->encode("<|eot_id|>", false, false);
  const auto parsed = tok->encode("<|eot_id|>", false, true);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_GT(plain.size(), 1u);
  EXPECT_TRUE(tok->is_eog(parsed[0]));
  // A 10 MB input completes (linear in the input; pieces are short).
  std::string big;
  while (big.size() < (10u << 20)) big += "The quick brown fox jumps over the lazy dog. 12345\n";
  EXPECT_GT(tok->encode(big, false, false).size(), 1000000u);
  EXPECT_THROW(tok->token_to_piece(-1), Error);
}

TEST(Tokenizer, SpmRulesAndStreaming) {
  const auto path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto tok = Tokenizer::from_gguf(*GgufFile::open(path));
  const auto ids = tok->encode("Once upon a time", true, false);
  ASSERT_EQ(ids.front(), tok->bos());
  EXPECT_EQ(tok->decode(ids), "Once upon a time");
  // Streaming never splits a UTF-8 sequence: feed a byte-fallback encoding of "é".
  const auto accent = tok->encode("é", false, false);
  StreamingDetokenizer stream(*tok);
  std::string streamed;
  for (size_t i = 0; i < accent.size(); ++i) {
    const std::string part = stream.push(accent[i]);
    if (i + 1 < accent.size()) {
      EXPECT_EQ(part.find('\xC3'), std::string::npos);
    }
    streamed += part;
  }
  streamed += stream.flush();
  EXPECT_EQ(streamed, " é");
}

}  // namespace
