// The compact vocabulary and merge tables (src/tokenizer/{string,merge}_table.*) against the
// std::unordered_map lookups they replace: same ids, same ranks, same misses.
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "hearth/gguf.hpp"
#include "test_data.hpp"
#include "tokenizer/merge_table.hpp"
#include "tokenizer/string_table.hpp"

namespace hearth::tok {
namespace {

TEST(TokenTables, StringTableFindsEveryTextAndKeepsTheFirstOfDuplicates) {
  const std::vector<std::string> texts = {"a",    "",     "hello", "a", std::string("h\0llo", 5),
                                          "hell", "hello"};
  const StringTable table{GgufStringArray(texts)};
  ASSERT_EQ(table.size(), 7);
  for (int32_t i = 0; i < table.size(); ++i) EXPECT_EQ(table[i], texts[i]) << i;
  EXPECT_EQ(table.find("a"), 0);
  EXPECT_EQ(table.find(""), 1);
  EXPECT_EQ(table.find("hello"), 2);
  EXPECT_EQ(table.find(std::string("h\0llo", 5)), 4);  // embedded NULs are ordinary bytes
  EXPECT_EQ(table.find("h"), -1);
  EXPECT_EQ(table.find("hell"), 5);
  EXPECT_EQ(table.find("hel"), -1);
  EXPECT_EQ(table.find("hello "), -1);
}

TEST(TokenTables, StringTableUnderLoadMatchesAMap) {
  std::vector<std::string> texts;
  for (int i = 0; i < 5000; ++i) texts.push_back(std::to_string(i * 7919 % 3001));  // duplicates
  const StringTable table{GgufStringArray(texts)};
  std::unordered_map<std::string, int32_t> ref;
  for (size_t i = 0; i < texts.size(); ++i) ref.emplace(texts[i], static_cast<int32_t>(i));
  for (const auto& [text, id] : ref) EXPECT_EQ(table.find(text), id) << text;
  for (int i = 3001; i < 4000; ++i) EXPECT_EQ(table.find(std::to_string(i)), -1) << i;
}

TEST(TokenTables, MergeTableRanksLikeATextMap) {
  const StringTable vocab{GgufStringArray({"a", "b", "ab", "c", "abc"})};
  // Rank = index. Duplicates keep the first; "x b" has a side outside the vocabulary; malformed
  // entries (no inner space, two spaces, edge spaces) never match.
  const std::vector<std::string> merges = {"a b",   "ab c", "a b", "x b", "abc",
                                           "a b c", " a b", "c ",  "b a"};
  const MergeTable table(GgufStringArray(merges), vocab);
  EXPECT_FALSE(table.empty());
  EXPECT_EQ(table.rank(0, 1, "a", "b"), 0);
  EXPECT_EQ(table.rank(2, 3, "ab", "c"), 1);
  EXPECT_EQ(table.rank(-1, 1, "x", "b"), 3);
  EXPECT_EQ(table.rank(1, 0, "b", "a"), 8);
  EXPECT_EQ(table.rank(0, 3, "a", "c"), -1);
  EXPECT_EQ(table.rank(-1, 3, "y", "c"), -1);
  EXPECT_EQ(table.rank(3, 3, "c", "c"), -1);

  EXPECT_TRUE(MergeTable(GgufStringArray({"ab", " ab"}), vocab).empty());
  EXPECT_FALSE(MergeTable(GgufStringArray({"a  b"}), vocab).empty());  // counts, never matches
  EXPECT_TRUE(MergeTable().empty());
  EXPECT_EQ(MergeTable().rank(0, 1, "a", "b"), -1);
}

// Every token and every merge of a 152k vocabulary, against the maps of the old tokenizer.
TEST(TokenTables, Qwen2VocabularyAndMergesMatchMaps) {
  const std::string path = test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf");
  HEARTH_REQUIRE_DATA(path);
  const auto file = GgufFile::open(path);
  const auto& tokens = *file->get_string_array("tokenizer.ggml.tokens");
  const auto& merges = *file->get_string_array("tokenizer.ggml.merges");
  const StringTable vocab(tokens);
  std::unordered_map<std::string, int32_t> ids;
  for (size_t i = 0; i < tokens.size(); ++i) ids.emplace(tokens[i], static_cast<int32_t>(i));
  int wrong = 0;
  for (const auto& [text, id] : ids) wrong += vocab.find(text) != id;
  EXPECT_EQ(wrong, 0);

  const MergeTable table(GgufStringArray(merges), vocab);
  std::unordered_map<std::string, int> ranks;
  for (size_t i = 0; i < merges.size(); ++i)
    if (merges[i].find(' ', 1) != std::string::npos) ranks.emplace(merges[i], static_cast<int>(i));
  ASSERT_GT(ranks.size(), 100000u);
  wrong = 0;
  for (const auto& [m, rank] : ranks) {
    const size_t space = m.find(' ');
    const std::string left = m.substr(0, space), right = m.substr(space + 1);
    if (left.empty() || right.empty() || right.find(' ') != std::string::npos) continue;
    wrong += table.rank(vocab.find(left), vocab.find(right), left, right) != rank;
    // Swapped sides are a different merge (or none).
    const auto swapped = ranks.find(right + " " + left);
    wrong += table.rank(vocab.find(right), vocab.find(left), right, left) !=
             (swapped == ranks.end() ? -1 : swapped->second);
  }
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace hearth::tok
