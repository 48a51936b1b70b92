// Tokenization of the text classes beyond the shared test sets (Devanagari vowel signs, Hangul,
// Unicode spaces, zero-width and format characters, combining accents, CJK, emoji, control
// characters, special-token literals with and without special-token parsing), against
// llama.cpp's own ids. The live version of this check is tests/peer/tokenize_check.py.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "test_data.hpp"

using namespace hearth;

namespace {

struct Case {
  const char* vocab;
  const char* text_class;
  const char* text;
  bool parse_special;
  std::vector<int32_t> ids;  // BOS/EOS included, as each model asks
};

// Recorded with tests/peer/tokenize_check.py --record: each row's ids are llama.cpp's
// prompt_ids from `run.sh ggml-vocab-VOCAB.gguf --tokenize-only [--parse-special]
// --prompt TEXT` (peer-llamacpp, llama.cpp v0.5.0 of node-llama-cpp 3.22.1).
// clang-format off
const Case kCases[] = {
{"bert-bge", "devanagari", "नमस्ते दुनिया", false, {101, 1327, 29867, 29874, 29859, 1325, 29863, 29868, 102}},
{"bert-bge", "devanagari", "हिन्दी भाषा में क़िताब", false, {101, 1339, 29863, 29861, 1330, 29873, 1331, 1315, 29859, 29865, 102}},
{"bert-bge", "devanagari", "कि की कु कृ कं कः", false, {101, 1315, 1315, 1315, 1315, 1315, 1315, 102}},
{"bert-bge", "hangul", "한국어 텍스트", false, {101, 1469, 29991, 29999, 1467, 29997, 30003, 102}},
{"bert-bge", "hangul", "안녕하세요, 세계!", false, {101, 1463, 29992, 30005, 29997, 29999, 1010, 1461, 29991, 999, 102}},
{"bert-bge", "hangul", "한국", false, {101, 1469, 30006, 30021, 29991, 30014, 30020, 102}},
{"bert-bge", "spaces", "a\xC2\xA0" "b", false, {101, 1037, 1038, 102}},
{"bert-bge", "spaces", "a\xE2\x80\x83" "b c", false, {101, 1037, 1038, 1039, 102}},
{"bert-bge", "spaces", "thin\xE2\x80\x89" "space\xE2\x80\xAF" "narrow", false, {101, 4857, 2686, 4867, 102}},
{"bert-bge", "spaces", "x\xE3\x80\x80" "y\xE2\x80\xA8" "z\xC2\x85" "w", false, {101, 1060, 1061, 1062, 1059, 102}},
{"bert-bge", "spaces", "  lead and trail \xC2\xA0" " ", false, {101, 2599, 1998, 4446, 102}},
{"bert-bge", "zero-width", "a\xE2\x80\x8B" "b", false, {101, 11113, 102}},
{"bert-bge", "zero-width", "a\xE2\x80\x8D" "b\xE2\x80\x8C" "c", false, {101, 5925, 102}},
{"bert-bge", "zero-width", "\xEF\xBB\xBF" "hello", false, {101, 7592, 102}},
{"bert-bge", "zero-width", "soft\xC2\xAD" "hyphen wo\xE2\x81\xA0" "rd", false, {101, 3730, 10536, 8458, 2368, 2773, 102}},
{"bert-bge", "combining", "café naïve Ångström", false, {101, 7668, 15743, 17076, 15687, 102}},
{"bert-bge", "combining", "cafe\xCC\x81" " e\xCC\x88\xCC\x81" "x", false, {101, 7668, 4654, 102}},
{"bert-bge", "combining", "ÀÉÎÕÜ Çà ǅ İstanbul ΣΑΣ", false, {101, 29347, 3695, 2226, 6187, 100, 9960, 1173, 14608, 29733, 102}},
{"bert-bge", "combining", "ﬁne ½ ℌ", false, {101, 1984, 2638, 1092, 100, 102}},
{"bert-bge", "cjk", "中文分词测试", false, {101, 1746, 1861, 1775, 100, 100, 100, 102}},
{"bert-bge", "cjk", "日本語のテキスト、カタカナ。", false, {101, 1864, 1876, 1950, 1671, 30239, 30227, 30233, 30240, 1635, 1700, 30235, 30226, 30241, 1636, 102}},
{"bert-bge", "cjk", "𠀀𪜀𫠠𫤠 豈", false, {101, 100, 100, 100, 100, 100, 102}},
{"bert-bge", "cjk", "（全角）ＡＢＣ１２３", false, {101, 1987, 100, 100, 1988, 100, 102}},
{"bert-bge", "emoji", "👍🏽 ok 🇫🇷", false, {101, 100, 7929, 100, 102}},
{"bert-bge", "emoji", "👨\xE2\x80\x8D" "👩\xE2\x80\x8D" "👧 family", false, {101, 100, 2155, 102}},
{"bert-bge", "mixed", "Hello мир 世界 مرحبا שלום", false, {101, 7592, 1191, 10325, 16856, 1745, 100, 1295, 17149, 29820, 29816, 25573, 1266, 29799, 29792, 29800, 102}},
{"bert-bge", "mixed", "x² + y³ = z⁴; 3.14 € $5 ±1", false, {101, 1060, 10701, 1009, 1061, 18107, 1027, 1062, 30073, 1025, 1017, 1012, 2403, 1574, 1002, 1019, 1081, 2487, 102}},
{"bert-bge", "mixed", "ไทย ภาษา ລາວ ᠮᠣᠩ", false, {101, 100, 100, 100, 100, 102}},
{"bert-bge", "control", "a\x09" "b\x0A" "c\x0D\x0A" "d", false, {101, 1037, 1038, 1039, 1040, 102}},
{"bert-bge", "control", "a\x01" "b\x7F" "c\x1F" "d", false, {101, 5925, 2094, 102}},
{"bert-bge", "control", "private \xEE\x80\x80" " use \xF3\xB0\x80\x80", false, {101, 2797, 2224, 102}},
{"bert-bge", "special", "a</s>b", false, {101, 1037, 1026, 1013, 1055, 1028, 1038, 102}},
{"bert-bge", "special", "a</s>b", true, {101, 1037, 1026, 1013, 1055, 1028, 1038, 102}},
{"bert-bge", "special", "<s> x </s> y", false, {101, 1026, 1055, 1028, 1060, 1026, 1013, 1055, 1028, 1061, 102}},
{"bert-bge", "special", "<s> x </s> y", true, {101, 1026, 1055, 1028, 1060, 1026, 1013, 1055, 1028, 1061, 102}},
{"bert-bge", "special", "a<|endoftext|>b <|im_start|>user", false, {101, 1037, 1026, 1064, 2203, 15794, 10288, 2102, 1064, 1028, 1038, 1026, 1064, 10047, 1035, 2707, 1064, 1028, 5310, 102}},
{"bert-bge", "special", "a<|endoftext|>b <|im_start|>user", true, {101, 1037, 1026, 1064, 2203, 15794, 10288, 2102, 1064, 1028, 1038, 1026, 1064, 10047, 1035, 2707, 1064, 1028, 5310, 102}},
{"bert-bge", "special", "[CLS] x [SEP] y [MASK]", false, {101, 1031, 18856, 2015, 1033, 1060, 1031, 19802, 1033, 1061, 1031, 7308, 1033, 102}},
{"bert-bge", "special", "[CLS] x [SEP] y [MASK]", true, {101, 101, 1060, 102, 1061, 103, 102}},
{"bert-bge", "special", "<unk> and [UNK]", false, {101, 1026, 4895, 2243, 1028, 1998, 1031, 4895, 2243, 1033, 102}},
{"bert-bge", "special", "<unk> and [UNK]", true, {101, 1026, 4895, 2243, 1028, 1998, 100, 102}},
{"bert-bge", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {101, 1060, 1026, 1064, 6994, 1035, 3433, 1028, 1026, 2735, 1064, 1028, 1026, 1064, 3149, 1064, 1028, 1061, 1026, 1064, 10882, 2213, 1035, 17576, 1064, 1028, 1062, 1026, 1064, 5371, 1035, 19802, 1064, 1028, 1026, 1064, 10047, 1035, 2203, 1064, 1028, 102}},
{"bert-bge", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {101, 1060, 1026, 1064, 6994, 1035, 3433, 1028, 1026, 2735, 1064, 1028, 1026, 1064, 3149, 1064, 1028, 1061, 1026, 1064, 10882, 2213, 1035, 17576, 1064, 1028, 1062, 1026, 1064, 5371, 1035, 19802, 1064, 1028, 1026, 1064, 10047, 1035, 2203, 1064, 1028, 102}},
{"phi-3", "devanagari", "नमस्ते दुनिया", false, {1, 29871, 30424, 30485, 30489, 30296, 30475, 30569, 29871, 30694, 30702, 30424, 30436, 30640, 30269}},
{"phi-3", "devanagari", "हिन्दी भाषा में क़िताब", false, {1, 29871, 30714, 30436, 30424, 30296, 30694, 30580, 29871, 31380, 30269, 31330, 30269, 29871, 30485, 30569, 30757, 29871, 30444, 31821, 30436, 30475, 30269, 31012}},
{"phi-3", "devanagari", "कि की कु कृ कं कः", false, {1, 29871, 30444, 30436, 29871, 30444, 30580, 29871, 30444, 30702, 29871, 30444, 227, 168, 134, 29871, 30444, 30757, 29871, 30444, 227, 167, 134}},
{"phi-3", "hangul", "한국어 텍스트", false, {1, 29871, 30877, 31293, 31129, 29871, 240, 136, 144, 30784, 31177}},
{"phi-3", "hangul", "안녕하세요, 세계!", false, {1, 29871, 31734, 238, 136, 152, 30944, 31578, 31527, 29892, 29871, 31578, 237, 182, 135, 29991}},
{"phi-3", "hangul", "한국", false, {1, 29871, 228, 135, 149, 228, 136, 164, 228, 137, 174, 228, 135, 131, 228, 136, 177, 228, 137, 171}},
{"phi-3", "spaces", "a\xC2\xA0" "b", false, {1, 263, 30081, 29890}},
{"phi-3", "spaces", "a\xE2\x80\x83" "b c", false, {1, 263, 30363, 29890, 274}},
{"phi-3", "spaces", "thin\xE2\x80\x89" "space\xE2\x80\xAF" "narrow", false, {1, 16835, 30080, 3493, 30262, 29876, 2936}},
{"phi-3", "spaces", "x\xE3\x80\x80" "y\xE2\x80\xA8" "z\xC2\x85" "w", false, {1, 921, 30358, 29891, 31353, 29920, 197, 136, 29893}},
{"phi-3", "spaces", "  lead and trail \xC2\xA0" " ", false, {1, 259, 3275, 322, 26203, 20246, 29871}},
{"phi-3", "zero-width", "a\xE2\x80\x8B" "b", false, {1, 263, 30166, 29890}},
{"phi-3", "zero-width", "a\xE2\x80\x8D" "b\xE2\x80\x8C" "c", false, {1, 263, 30722, 29890, 30430, 29883}},
{"phi-3", "zero-width", "\xEF\xBB\xBF" "hello", false, {1, 29871, 30143, 12199}},
{"phi-3", "zero-width", "soft\xC2\xAD" "hyphen wo\xE2\x81\xA0" "rd", false, {1, 4964, 30191, 5819, 9789, 8879, 30365, 5499}},
{"phi-3", "combining", "café naïve Ångström", false, {1, 274, 28059, 1055, 30085, 345, 11260, 865, 25961}},
{"phi-3", "combining", "cafe\xCC\x81" " e\xCC\x88\xCC\x81" "x", false, {1, 5777, 1725, 30103, 321, 31719, 30103, 29916}},
{"phi-3", "combining", "ÀÉÎÕÜ Çà ǅ İstanbul ΣΑΣ", false, {1, 8526, 30062, 30126, 30983, 30104, 29871, 30219, 30001, 29871, 202, 136, 29871, 30243, 14411, 8645, 29871, 30291, 30292, 30291}},
{"phi-3", "combining", "ﬁne ½ ℌ", false, {1, 29871, 31017, 484, 29871, 30226, 29871, 229, 135, 143}},
{"phi-3", "cjk", "中文分词测试", false, {1, 29871, 30275, 30333, 30748, 235, 178, 144, 31851, 31787}},
{"phi-3", "cjk", "日本語のテキスト、カタカナ。", false, {1, 29871, 30325, 30346, 30968, 30199, 30572, 30454, 30255, 30279, 30330, 30439, 30369, 30439, 30576, 30267}},
{"phi-3", "cjk", "𠀀𪜀𫠠𫤠 豈", false, {1, 29871, 243, 163, 131, 131, 243, 173, 159, 131, 243, 174, 163, 163, 243, 174, 167, 163, 29871, 242, 167, 131}},
{"phi-3", "cjk", "（全角）ＡＢＣ１２３", false, {1, 29871, 30419, 30753, 31432, 30409, 242, 191, 164, 242, 191, 165, 242, 191, 166, 31936, 242, 191, 149, 242, 191, 150}},
{"phi-3", "emoji", "👍🏽 ok 🇫🇷", false, {1, 29871, 243, 162, 148, 144, 243, 162, 146, 192, 3431, 29871, 243, 162, 138, 174, 243, 162, 138, 186}},
{"phi-3", "emoji", "👨\xE2\x80\x8D" "👩\xE2\x80\x8D" "👧 family", false, {1, 29871, 243, 162, 148, 171, 30722, 243, 162, 148, 172, 30722, 243, 162, 148, 170, 3942}},
{"phi-3", "mixed", "Hello мир 世界 مرحبا שלום", false, {1, 15043, 4157, 29927, 29871, 30793, 30967, 29871, 30159, 30156, 30240, 30177, 30112, 29871, 30294, 30249, 30205, 30404}},
{"phi-3", "mixed", "x² + y³ = z⁴; 3.14 € $5 ±1", false, {1, 921, 30088, 718, 343, 30168, 353, 503, 30379, 29936, 29871, 29941, 29889, 29896, 29946, 25540, 395, 29945, 29871, 30221, 29896}},
{"phi-3", "mixed", "ไทย ภาษา ລາວ ᠮᠣᠩ", false, {1, 29871, 31252, 30595, 30549, 29871, 31070, 30289, 31964, 30289, 29871, 227, 189, 168, 227, 189, 181, 227, 189, 170, 29871, 228, 163, 177, 228, 163, 166, 228, 163, 172}},
{"phi-3", "control", "a\x09" "b\x0A" "c\x0D\x0A" "d", false, {1, 263, 12, 29890, 13, 29883, 30004, 13, 29881}},
{"phi-3", "control", "a\x01" "b\x7F" "c\x1F" "d", false, {1, 263, 4, 29890, 130, 29883, 34, 29881}},
{"phi-3", "control", "private \xEE\x80\x80" " use \xF3\xB0\x80\x80", false, {1, 2024, 29871, 241, 131, 131, 671, 29871, 246, 179, 131, 131}},
{"phi-3", "special", "a</s>b", false, {1, 263, 829, 29879, 29958, 29890}},
{"phi-3", "special", "a</s>b", true, {1, 263, 2, 289}},
{"phi-3", "special", "<s> x </s> y", false, {1, 529, 29879, 29958, 921, 1533, 29879, 29958, 343}},
{"phi-3", "special", "<s> x </s> y", true, {1, 1, 29871, 921, 29871, 2, 343}},
{"phi-3", "special", "a<|endoftext|>b <|im_start|>user", false, {1, 263, 29966, 29989, 355, 974, 726, 29989, 29958, 29890, 529, 29989, 326, 29918, 2962, 29989, 29958, 1792}},
{"phi-3", "special", "a<|endoftext|>b <|im_start|>user", true, {1, 263, 32000, 289, 529, 29989, 326, 29918, 2962, 29989, 29958, 1792}},
{"phi-3", "special", "[CLS] x [SEP] y [MASK]", false, {1, 518, 6154, 29903, 29962, 921, 518, 1660, 29925, 29962, 343, 518, 1529, 16033, 29962}},
{"phi-3", "special", "[CLS] x [SEP] y [MASK]", true, {1, 518, 6154, 29903, 29962, 921, 518, 1660, 29925, 29962, 343, 518, 1529, 16033, 29962}},
{"phi-3", "special", "<unk> and [UNK]", false, {1, 529, 2960, 29958, 322, 518, 3904, 29968, 29962}},
{"phi-3", "special", "<unk> and [UNK]", true, {1, 0, 29871, 322, 518, 3904, 29968, 29962}},
{"phi-3", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {1, 921, 529, 29989, 10154, 29918, 5327, 29958, 529, 685, 29989, 29958, 529, 29989, 12719, 29989, 29958, 29891, 529, 29989, 29888, 326, 29918, 13506, 29989, 29958, 29920, 29966, 29989, 1445, 29918, 19570, 29989, 29958, 529, 29989, 326, 29918, 355, 29989, 29958}},
{"phi-3", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {1, 921, 529, 29989, 10154, 29918, 5327, 29958, 529, 685, 29989, 29958, 529, 29989, 12719, 29989, 29958, 29891, 529, 29989, 29888, 326, 29918, 13506, 29989, 29958, 29920, 29966, 29989, 1445, 29918, 19570, 29989, 29958, 529, 29989, 326, 29918, 355, 29989, 29958}},
{"llama-spm", "zero-width", "a\xE2\x80\x8B" "b", false, {1, 263, 30166, 29890}},
{"llama-spm", "zero-width", "a\xE2\x80\x8D" "b\xE2\x80\x8C" "c", false, {1, 263, 30722, 29890, 30430, 29883}},
{"llama-spm", "zero-width", "\xEF\xBB\xBF" "hello", false, {1, 29871, 30143, 12199}},
{"llama-spm", "zero-width", "soft\xC2\xAD" "hyphen wo\xE2\x81\xA0" "rd", false, {1, 4964, 30191, 5819, 9789, 8879, 30365, 5499}},
{"llama-spm", "special", "a</s>b", false, {1, 263, 829, 29879, 29958, 29890}},
{"llama-spm", "special", "a</s>b", true, {1, 263, 2, 289}},
{"llama-spm", "special", "<s> x </s> y", false, {1, 529, 29879, 29958, 921, 1533, 29879, 29958, 343}},
{"llama-spm", "special", "<s> x </s> y", true, {1, 1, 29871, 921, 29871, 2, 29871, 343}},
{"llama-spm", "special", "a<|endoftext|>b <|im_start|>user", false, {1, 263, 29966, 29989, 355, 974, 726, 29989, 29958, 29890, 529, 29989, 326, 29918, 2962, 29989, 29958, 1792}},
{"llama-spm", "special", "a<|endoftext|>b <|im_start|>user", true, {1, 263, 29966, 29989, 355, 974, 726, 29989, 29958, 29890, 529, 29989, 326, 29918, 2962, 29989, 29958, 1792}},
{"llama-spm", "special", "[CLS] x [SEP] y [MASK]", false, {1, 518, 6154, 29903, 29962, 921, 518, 1660, 29925, 29962, 343, 518, 1529, 16033, 29962}},
{"llama-spm", "special", "[CLS] x [SEP] y [MASK]", true, {1, 518, 6154, 29903, 29962, 921, 518, 1660, 29925, 29962, 343, 518, 1529, 16033, 29962}},
{"llama-spm", "special", "<unk> and [UNK]", false, {1, 529, 2960, 29958, 322, 518, 3904, 29968, 29962}},
{"llama-spm", "special", "<unk> and [UNK]", true, {1, 0, 29871, 322, 518, 3904, 29968, 29962}},
{"llama-spm", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {1, 921, 529, 29989, 10154, 29918, 5327, 29958, 529, 685, 29989, 29958, 529, 29989, 12719, 29989, 29958, 29891, 529, 29989, 29888, 326, 29918, 13506, 29989, 29958, 29920, 29966, 29989, 1445, 29918, 19570, 29989, 29958, 529, 29989, 326, 29918, 355, 29989, 29958}},
{"llama-spm", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {1, 921, 529, 29989, 10154, 29918, 5327, 29958, 529, 685, 29989, 29958, 529, 29989, 12719, 29989, 29958, 29891, 529, 29989, 29888, 326, 29918, 13506, 29989, 29958, 29920, 29966, 29989, 1445, 29918, 19570, 29989, 29958, 529, 29989, 326, 29918, 355, 29989, 29958}},
{"llama-bpe", "zero-width", "a\xE2\x80\x8B" "b", false, {128000, 64, 16067, 65}},
{"llama-bpe", "zero-width", "a\xE2\x80\x8D" "b\xE2\x80\x8C" "c", false, {128000, 64, 102470, 65, 90464, 66}},
{"llama-bpe", "zero-width", "\xEF\xBB\xBF" "hello", false, {128000, 3305, 15339}},
{"llama-bpe", "zero-width", "soft\xC2\xAD" "hyphen wo\xE2\x81\xA0" "rd", false, {128000, 3594, 5879, 8671, 15112, 24670, 53233, 254, 6634}},
{"llama-bpe", "special", "a</s>b", false, {128000, 64, 524, 82, 52507}},
{"llama-bpe", "special", "a</s>b", true, {128000, 64, 524, 82, 52507}},
{"llama-bpe", "special", "<s> x </s> y", false, {128000, 45147, 29, 865, 694, 82, 29, 379}},
{"llama-bpe", "special", "<s> x </s> y", true, {128000, 45147, 29, 865, 694, 82, 29, 379}},
{"llama-bpe", "special", "a<|endoftext|>b <|im_start|>user", false, {128000, 64, 27, 91, 8862, 728, 428, 91, 29, 65, 83739, 318, 5011, 91, 29, 882}},
{"llama-bpe", "special", "a<|endoftext|>b <|im_start|>user", true, {128000, 64, 27, 91, 8862, 728, 428, 91, 29, 65, 83739, 318, 5011, 91, 29, 882}},
{"llama-bpe", "special", "[CLS] x [SEP] y [MASK]", false, {128000, 58, 88816, 60, 865, 510, 82476, 60, 379, 510, 50963, 60}},
{"llama-bpe", "special", "[CLS] x [SEP] y [MASK]", true, {128000, 58, 88816, 60, 865, 510, 82476, 60, 379, 510, 50963, 60}},
{"llama-bpe", "special", "<unk> and [UNK]", false, {128000, 27, 3200, 29, 323, 510, 32983, 60}},
{"llama-bpe", "special", "<unk> and [UNK]", true, {128000, 27, 3200, 29, 323, 510, 32983, 60}},
{"llama-bpe", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {128000, 87, 83739, 14506, 9852, 29, 366, 413, 91, 29, 83739, 10327, 91, 29, 88, 83739, 69, 318, 14301, 91, 29, 89, 27, 91, 1213, 55875, 91, 29, 83739, 318, 6345, 91, 29}},
{"llama-bpe", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {128000, 87, 83739, 14506, 9852, 29, 366, 413, 91, 29, 83739, 10327, 91, 29, 88, 83739, 69, 318, 14301, 91, 29, 89, 27, 91, 1213, 55875, 91, 29, 83739, 318, 6345, 91, 29}},
{"qwen2", "zero-width", "a\xE2\x80\x8B" "b", false, {64, 15692, 65}},
{"qwen2", "zero-width", "a\xE2\x80\x8D" "b\xE2\x80\x8C" "c", false, {64, 378, 235, 65, 89364, 66}},
{"qwen2", "zero-width", "\xEF\xBB\xBF" "hello", false, {3225, 14990}},
{"qwen2", "zero-width", "soft\xC2\xAD" "hyphen wo\xE2\x81\xA0" "rd", false, {3510, 5760, 8503, 14769, 23738, 52133, 254, 6498}},
{"qwen2", "special", "a</s>b", false, {64, 522, 82, 51407}},
{"qwen2", "special", "a</s>b", true, {64, 128247, 65}},
{"qwen2", "special", "<s> x </s> y", false, {44047, 29, 856, 690, 82, 29, 379}},
{"qwen2", "special", "<s> x </s> y", true, {44047, 29, 856, 220, 128247, 379}},
{"qwen2", "special", "a<|endoftext|>b <|im_start|>user", false, {64, 27, 91, 8691, 723, 427, 91, 29, 65, 82639, 318, 4906, 91, 29, 872}},
{"qwen2", "special", "a<|endoftext|>b <|im_start|>user", true, {64, 151643, 65, 220, 151644, 872}},
{"qwen2", "special", "[CLS] x [SEP] y [MASK]", false, {58, 87716, 60, 856, 508, 81376, 60, 379, 508, 49863, 60}},
{"qwen2", "special", "[CLS] x [SEP] y [MASK]", true, {58, 87716, 60, 856, 508, 81376, 60, 379, 508, 49863, 60}},
{"qwen2", "special", "<unk> and [UNK]", false, {128243, 29, 323, 508, 31883, 60}},
{"qwen2", "special", "<unk> and [UNK]", true, {128243, 29, 323, 508, 31883, 60}},
{"qwen2", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {87, 82639, 14172, 9655, 29, 366, 412, 91, 29, 82639, 10119, 91, 29, 88, 82639, 69, 318, 13974, 91, 29, 89, 27, 91, 1192, 54775, 91, 29, 82639, 318, 6213, 91, 29}},
{"qwen2", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {87, 82639, 14172, 9655, 29, 366, 412, 91, 29, 82639, 10119, 91, 29, 88, 82639, 69, 318, 13974, 91, 29, 89, 27, 91, 1192, 54775, 91, 29, 220, 151645}},
{"gpt-2", "zero-width", "a\xE2\x80\x8B" "b", false, {64, 9525, 65}},
{"gpt-2", "zero-width", "a\xE2\x80\x8D" "b\xE2\x80\x8C" "c", false, {64, 447, 235, 65, 447, 234, 66}},
{"gpt-2", "zero-width", "\xEF\xBB\xBF" "hello", false, {171, 119, 123, 31373}},
{"gpt-2", "zero-width", "soft\xC2\xAD" "hyphen wo\xE2\x81\xA0" "rd", false, {4215, 3907, 36362, 831, 24486, 46256, 254, 4372}},
{"gpt-2", "special", "a</s>b", false, {64, 3556, 82, 29, 65}},
{"gpt-2", "special", "a</s>b", true, {64, 3556, 82, 29, 65}},
{"gpt-2", "special", "<s> x </s> y", false, {27, 82, 29, 2124, 7359, 82, 29, 331}},
{"gpt-2", "special", "<s> x </s> y", true, {27, 82, 29, 2124, 7359, 82, 29, 331}},
{"gpt-2", "special", "a<|endoftext|>b <|im_start|>user", false, {64, 27, 91, 437, 1659, 5239, 91, 29, 65, 1279, 91, 320, 62, 9688, 91, 29, 7220}},
{"gpt-2", "special", "a<|endoftext|>b <|im_start|>user", true, {64, 50256, 65, 1279, 91, 320, 62, 9688, 91, 29, 7220}},
{"gpt-2", "special", "[CLS] x [SEP] y [MASK]", false, {58, 5097, 50, 60, 2124, 685, 5188, 47, 60, 331, 685, 31180, 42, 60}},
{"gpt-2", "special", "[CLS] x [SEP] y [MASK]", true, {58, 5097, 50, 60, 2124, 685, 5188, 47, 60, 331, 685, 31180, 42, 60}},
{"gpt-2", "special", "<unk> and [UNK]", false, {27, 2954, 29, 290, 685, 4944, 42, 60}},
{"gpt-2", "special", "<unk> and [UNK]", true, {27, 2954, 29, 290, 685, 4944, 42, 60}},
{"gpt-2", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {87, 1279, 91, 25981, 62, 26209, 29, 1279, 15344, 91, 29, 1279, 91, 17620, 91, 29, 88, 1279, 91, 69, 320, 62, 40290, 91, 29, 89, 27, 91, 7753, 62, 325, 79, 91, 29, 1279, 91, 320, 62, 437, 91, 29}},
{"gpt-2", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {87, 1279, 91, 25981, 62, 26209, 29, 1279, 15344, 91, 29, 1279, 91, 17620, 91, 29, 88, 1279, 91, 69, 320, 62, 40290, 91, 29, 89, 27, 91, 7753, 62, 325, 79, 91, 29, 1279, 91, 320, 62, 437, 91, 29}},
{"gemma-4", "special", "a</s>b", false, {2, 236746, 954, 236751, 236813, 236763}},
{"gemma-4", "special", "a</s>b", true, {2, 236746, 954, 236751, 236813, 236763}},
{"gemma-4", "special", "<s> x </s> y", false, {2, 236820, 236751, 236813, 1123, 1454, 236751, 236813, 570}},
{"gemma-4", "special", "<s> x </s> y", true, {2, 236820, 236751, 236813, 1123, 1454, 236751, 236813, 570}},
{"gemma-4", "special", "a<|endoftext|>b <|im_start|>user", false, {2, 236746, 236820, 236909, 643, 1340, 1005, 111038, 236763, 655, 236909, 548, 236779, 3041, 111038, 2364}},
{"gemma-4", "special", "a<|endoftext|>b <|im_start|>user", true, {2, 236746, 236820, 236909, 643, 1340, 1005, 111038, 236763, 655, 236909, 548, 236779, 3041, 111038, 2364}},
{"gemma-4", "special", "[CLS] x [SEP] y [MASK]", false, {2, 236840, 171051, 236842, 1123, 870, 102604, 236842, 570, 870, 102826, 236842}},
{"gemma-4", "special", "[CLS] x [SEP] y [MASK]", true, {2, 236840, 171051, 236842, 1123, 870, 102604, 236842, 570, 870, 102826, 236842}},
{"gemma-4", "special", "<unk> and [UNK]", false, {2, 236820, 4984, 236813, 532, 870, 86957, 236842}},
{"gemma-4", "special", "<unk> and [UNK]", true, {2, 3, 532, 870, 86957, 236842}},
{"gemma-4", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {2, 236781, 655, 236909, 13205, 236779, 6275, 236813, 655, 887, 111038, 655, 236909, 12027, 111038, 236762, 655, 236909, 155937, 236779, 20836, 111038, 236802, 236820, 236909, 2164, 236779, 30868, 111038, 655, 236909, 548, 236779, 643, 111038}},
{"gemma-4", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {2, 236781, 236743, 50, 236743, 106, 655, 236909, 12027, 111038, 236762, 655, 236909, 155937, 236779, 20836, 111038, 236802, 236820, 236909, 2164, 236779, 30868, 111038, 655, 236909, 548, 236779, 643, 111038}},
{"command-r", "special", "a</s>b", false, {5, 72, 1965, 90, 37, 73}},
{"command-r", "special", "a</s>b", true, {5, 72, 1965, 90, 37, 73}},
{"command-r", "special", "<s> x </s> y", false, {5, 35, 90, 37, 2982, 3241, 90, 37, 1770}},
{"command-r", "special", "<s> x </s> y", true, {5, 35, 90, 37, 2982, 3241, 90, 37, 1770}},
{"command-r", "special", "a<|endoftext|>b <|im_start|>user", false, {5, 72, 35, 99, 1883, 3010, 2805, 99, 37, 73, 2154, 99, 1748, 70, 6734, 99, 37, 5417}},
{"command-r", "special", "a<|endoftext|>b <|im_start|>user", true, {5, 72, 35, 99, 1883, 3010, 2805, 99, 37, 73, 2154, 99, 1748, 70, 6734, 99, 37, 5417}},
{"command-r", "special", "[CLS] x [SEP] y [MASK]", false, {5, 66, 195772, 68, 2982, 2254, 145226, 68, 1770, 2254, 40074, 68}},
{"command-r", "special", "[CLS] x [SEP] y [MASK]", true, {5, 66, 195772, 68, 2982, 2254, 145226, 68, 1770, 2254, 40074, 68}},
{"command-r", "special", "<unk> and [UNK]", false, {5, 35, 6177, 37, 1728, 2254, 51280, 68}},
{"command-r", "special", "<unk> and [UNK]", true, {5, 35, 6177, 37, 1728, 2254, 51280, 68}},
{"command-r", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", false, {5, 95, 2154, 99, 22018, 70, 10599, 37, 2154, 2199, 99, 37, 2154, 99, 17758, 99, 37, 96, 2154, 99, 93015, 70, 20156, 99, 37, 97, 35, 99, 4508, 70, 45847, 99, 37, 2154, 99, 1748, 70, 1883, 99, 37}},
{"command-r", "special", "x <|tool_response> <turn|> <|channel|>y <|fim_prefix|>z<|file_sep|> <|im_end|>", true, {5, 95, 2154, 99, 22018, 70, 10599, 37, 2154, 2199, 99, 37, 2154, 99, 17758, 99, 37, 96, 2154, 99, 93015, 70, 20156, 99, 37, 97, 35, 99, 4508, 70, 45847, 99, 37, 2154, 99, 1748, 70, 1883, 99, 37}},
};
// clang-format on

std::string show(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t id : v) s += std::to_string(id) + " ";
  return s;
}

class TokenizerClasses : public testing::TestWithParam<std::string> {};

TEST_P(TokenizerClasses, MatchLlamaCpp) {
  const std::string path = test::data_path("testdata/tokenizer/ggml-vocab-" + GetParam() + ".gguf");
  HEARTH_REQUIRE_DATA(path);
  const auto tok = Tokenizer::from_gguf(*GgufFile::open(path));
  ASSERT_NE(tok, nullptr);
  int checked = 0;
  for (const Case& c : kCases) {
    if (GetParam() != c.vocab) continue;
    ++checked;
    EXPECT_EQ(tok->encode(c.text, true, c.parse_special), c.ids)
        << c.text_class << (c.parse_special ? " (parse special)" : "") << " '" << c.text
        << "'\n  hearth    " << show(tok->encode(c.text, true, c.parse_special)) << "\n  llama.cpp "
        << show(c.ids);
  }
  EXPECT_GE(checked, 6) << "too few cases for " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, TokenizerClasses,
                         testing::Values("bert-bge", "phi-3", "llama-spm", "llama-bpe", "qwen2",
                                         "gpt-2", "gemma-4", "command-r"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
