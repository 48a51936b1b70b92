// The knowledge base's text side: UTF-8 repair, HTML extraction, chunking, fusion, top-k.
// References are hand-computed values and brute-force recomputations, not hearth's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "hearth/error.hpp"
#include "kb/chunker.hpp"
#include "kb/extract.hpp"
#include "kb/fts.hpp"
#include "kb/fusion.hpp"
#include "kb/q8_prefilter.hpp"
#include "kb/text_embedder.hpp"
#include "kb/vector_index.hpp"

namespace kb = hearth::kb;

namespace {

int words(std::string_view s) {
  return kb::make_hash_embedder(8)->count_tokens(s);
}

}  // namespace

TEST(KbUtf8, RepairsInvalidSequencesOnly) {
  // RFC 3629 section 3 / Markus Kuhn's test cases: overlong "/", a UTF-16 surrogate, a lone
  // continuation byte, a truncated 3-byte sequence, and a code point above U+10FFFF.
  std::string s = "ok \xC0\xAF|\xED\xA0\x80|\x80|\xE2\x82|\xF4\x90\x80\x80|\xE2\x82\xAC";
  const size_t bad = kb::repair_utf8(s);
  // Each invalid byte is one replacement: C0 AF (2) + ED A0 80 (3) + 80 (1) + E2 82 (2) +
  // F4 90 80 80 (4) = 12; the euro sign at the end is valid.
  EXPECT_EQ(bad, 12u);
  EXPECT_EQ(s.substr(s.size() - 3), "\xE2\x82\xAC");
  std::string good = "h\xC3\xA9llo \xF0\x9F\x98\x80";
  EXPECT_EQ(kb::repair_utf8(good), 0u);
  EXPECT_EQ(good, "h\xC3\xA9llo \xF0\x9F\x98\x80");
}

TEST(KbExtract, BinaryAndKinds) {
  EXPECT_EQ(kb::kind_for_path("/a/b/Notes.MD"), "markdown");
  EXPECT_EQ(kb::kind_for_path("/a.b/c"), "");
  EXPECT_EQ(kb::kind_for_path("x.pdf"), "pdf");
  EXPECT_THROW(kb::extract_text("x.txt", "text", std::string("ab\0cd", 5)), hearth::Error);
  const auto t = kb::extract_text("x.txt", "text", "one\ntwo\n\nthree\n");
  EXPECT_EQ(t.locate(0), 1);
  EXPECT_EQ(t.locate(t.text.find("three")), 4);
}

TEST(KbExtract, HtmlBlocksScriptsAndLines) {
  const std::string html =
      "<!DOCTYPE html>\n<html><head><title>The Title</title>\n"
      "<style>p { color: red }</style><script>var hidden = 1;</script></head>\n"
      "<body>\n<h1>Heading</h1>\n<p>First <b>bold</b>   words\n across lines.</p>\n"
      "<ul><li>item one</li><li>item two</li></ul>\n"
      "<p>caf&eacute; &amp; more<br>next line</p>\n</body></html>\n";
  const auto t = kb::extract_text("x.html", "html", html);
  EXPECT_EQ(t.text,
            "The Title\n\nHeading\n\nFirst bold words across lines.\n\nitem one\n\nitem two\n\n"
            "caf\xC3\xA9 & more\nnext line");
  // "item two" is on line 8 of the source, "Heading" on line 5.
  EXPECT_EQ(t.locate(t.text.find("item two")), 8);
  EXPECT_EQ(t.locate(t.text.find("Heading")), 5);
}

TEST(KbChunker, PacksParagraphsWithOverlapWithinLimit) {
  // 30 paragraphs of 10..40 words; chunks of at most 64 tokens, overlap 16.
  std::mt19937 rng(7);
  std::string text;
  std::vector<size_t> para_starts;
  for (int p = 0; p < 30; ++p) {
    para_starts.push_back(text.size());
    const int n = 10 + static_cast<int>(rng() % 31);
    for (int w = 0; w < n; ++w) text += (w ? " w" : "w") + std::to_string(rng() % 1000);
    text += "\n\n";
  }
  kb::ChunkParams p{64, 16};
  const auto chunks = kb::chunk_text(text, p, words);
  ASSERT_GT(chunks.size(), 5u);
  size_t covered_to = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto& c = chunks[i];
    const std::string_view s =
        std::string_view(text).substr(c.byte_start, c.byte_end - c.byte_start);
    EXPECT_LE(words(s), 64) << i;
    EXPECT_EQ(c.n_tokens, words(s));
    // Paragraphs fit in a chunk, so every chunk starts at a paragraph start.
    EXPECT_TRUE(std::count(para_starts.begin(), para_starts.end(), c.byte_start)) << i;
    // No gap: each chunk starts at or before where the previous one ended.
    EXPECT_LE(c.byte_start, covered_to + 2) << i;  // +2: the blank line between paragraphs
    if (i > 0) {
      EXPECT_GT(c.byte_start, chunks[i - 1].byte_start);  // progress
      const size_t ov_end = std::min(chunks[i - 1].byte_end, c.byte_end);
      if (c.byte_start < ov_end) {
        EXPECT_LE(words(std::string_view(text).substr(c.byte_start, ov_end - c.byte_start)), 16);
      }
    }
    covered_to = c.byte_end;
  }
  EXPECT_EQ(covered_to, text.size() - 2);  // the last paragraph, without its blank line
}

TEST(KbChunker, SplitsHugeParagraphsAndWords) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "word" + std::to_string(i) + (i % 9 == 8 ? ". " : " ");
  text += std::string(3000, 'x');  // one "word" far beyond a chunk: hash tokens count it once
  kb::ChunkParams p{32, 8};
  // A counter where every 4 bytes are a token makes the long word exceed a chunk.
  auto bytes4 = [](std::string_view s) { return static_cast<int>((s.size() + 3) / 4); };
  const auto chunks = kb::chunk_text(text, p, bytes4);
  size_t end = 0;
  for (const auto& c : chunks) {
    EXPECT_LE(bytes4(std::string_view(text).substr(c.byte_start, c.byte_end - c.byte_start)), 32);
    end = std::max(end, c.byte_end);
  }
  EXPECT_EQ(end, text.size());
  EXPECT_TRUE(kb::chunk_text("", p, bytes4).empty());
  EXPECT_TRUE(kb::chunk_text(" \n\n \t\n", p, bytes4).empty());
  EXPECT_THROW(kb::chunk_text("x", kb::ChunkParams{4, 0}, bytes4), hearth::Error);
}

TEST(KbFusion, ReciprocalRankByHand) {
  const std::vector<kb::ScoredId> vec{{10, 0.9f}, {20, 0.8f}, {30, 0.7f}};
  const std::vector<kb::ScoredId> bm{{30, 5.0f}, {40, 4.0f}};
  const auto f = kb::fuse_rrf(vec, bm, 60.0);
  ASSERT_EQ(f.size(), 4u);
  // 30: 1/63 + 1/61; 10: 1/61; 40: 1/62; 20: 1/62 (20 before 40: smaller id).
  EXPECT_EQ(f[0].id, 30);
  EXPECT_DOUBLE_EQ(f[0].score, 1.0 / 63 + 1.0 / 61);
  EXPECT_EQ(f[1].id, 10);
  EXPECT_EQ(f[2].id, 20);
  EXPECT_EQ(f[3].id, 40);
  EXPECT_EQ(f[0].vector_rank, 3);
  EXPECT_EQ(f[0].bm25_rank, 1);
}

TEST(KbVectorIndex, TopKEqualsFullSortForEveryScan) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0, 1);
  const int dim = 37, rows = 2000;
  kb::VectorIndex idx(dim);
  std::vector<float> all(static_cast<size_t>(rows) * dim), q(dim);
  for (auto& x : all) x = n(rng);
  for (auto& x : q) x = n(rng);
  for (int r = 0; r < rows; ++r) idx.add(1000 + r * 3, all.data() + static_cast<size_t>(r) * dim);
  // Reference: double-precision dot products, fully sorted.
  std::vector<std::pair<double, int64_t>> ref;
  for (int r = 0; r < rows; ++r) {
    double s = 0;
    for (int d = 0; d < dim; ++d) s += double(all[static_cast<size_t>(r) * dim + d]) * q[d];
    ref.push_back({-s, 1000 + r * 3});
  }
  std::sort(ref.begin(), ref.end());
  for (auto method : {kb::ScanMethod::kQ8, kb::ScanMethod::kLoop}) {
    const auto top = idx.search(q.data(), 25, method);
    ASSERT_EQ(top.size(), 25u);
    for (size_t i = 0; i < top.size(); ++i) {
      EXPECT_EQ(top[i].id, ref[i].second) << i;
      EXPECT_NEAR(top[i].score, -ref[i].first, 1e-4);
    }
  }
  EXPECT_EQ(idx.search(q.data(), 5000, kb::ScanMethod::kLoop).size(), 2000u);
  EXPECT_EQ(idx.search(q.data(), 5000, kb::ScanMethod::kQ8).size(), 2000u);
}

// The Q8_0 prefilter (q8_prefilter.hpp) must change nothing: the same ids in the same order and
// the same float bits as the float32 loop over every row, for unit vectors (as stored), vectors of
// mixed scales, duplicated rows (exact ties, broken by id) and near-ties far below the Q8_0
// step, on whichever kernels this CPU runs (HEARTH_FORCE_ISA selects others).
TEST(KbVectorIndex, Q8PrefilterReturnsExactlyTheFloatTopK) {
  std::mt19937 rng(11);
  std::normal_distribution<float> n(0, 1);
  for (int dim : {384, 37, 1024}) {
    const int rows = 3000;
    kb::VectorIndex idx(dim);
    std::vector<float> v(static_cast<size_t>(dim));
    std::vector<std::vector<float>> kept;
    for (int r = 0; r < rows; ++r) {
      if (r % 10 == 9) {
        v = kept[static_cast<size_t>(r / 2)];  // an exact duplicate under another id
      } else if (r % 10 == 8) {
        v = kept[static_cast<size_t>(r - 1)];  // a near-tie: one value nudged by 1 ulp-ish
        v[static_cast<size_t>(r % dim)] *= 1.0000001f;
      } else {
        double norm = 0;
        for (auto& x : v) {
          x = n(rng);
          norm += double(x) * x;
        }
        const float scale = r % 3 == 0 ? 1.0f : static_cast<float>(1 / std::sqrt(norm));
        for (auto& x : v) x *= scale;
      }
      kept.push_back(v);
      idx.add(r, v.data());
    }
    for (int t = 0; t < 20; ++t) {
      std::vector<float> q = t % 2 ? kept[static_cast<size_t>(t * 97)] : v;  // stored rows too
      if (t % 2 == 0)
        for (auto& x : q) x = n(rng);
      for (size_t k : {1u, 10u, 40u, 2999u}) {
        const auto a = idx.search(q.data(), k, kb::ScanMethod::kQ8);
        const auto b = idx.search(q.data(), k, kb::ScanMethod::kLoop);
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
          ASSERT_EQ(a[i].id, b[i].id) << "dim " << dim << " query " << t << " k " << k << " #" << i;
          ASSERT_EQ(a[i].score, b[i].score) << "dim " << dim << " query " << t << " #" << i;
        }
      }
    }
  }
}

// The bound the prefilter relies on, checked row by row: |float32 score - Q8_0 score| <= bound.
TEST(KbVectorIndex, Q8BoundHoldsForEveryRow) {
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0, 1);
  std::uniform_real_distribution<float> u(-1, 1);
  const int dim = 384, rows = 4000;
  kb::VectorIndex idx(dim);
  std::vector<float> v(dim);
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < dim; ++i)  // gaussian, uniform, and sparse rows with tiny values
      v[static_cast<size_t>(i)] = r % 3 == 0   ? n(rng)
                                  : r % 3 == 1 ? u(rng)
                                               : (i % 7 ? 0 : 1e-6f * n(rng));
    idx.add(r, v.data());
  }
  std::vector<float> exact(rows), q(dim);
  std::vector<float> approx;
  std::vector<double> bound;
  double worst = 0;
  for (int t = 0; t < 10; ++t) {
    for (auto& x : q) x = t % 2 ? n(rng) : u(rng) * (t == 4 ? 1e-7f : 1.0f);
    idx.scores(q.data(), exact.data());
    idx.prefilter().scores_and_bounds(q.data(), nullptr, &approx, &bound);
    ASSERT_EQ(approx.size(), static_cast<size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      const double gap =
          std::fabs(double(exact[static_cast<size_t>(r)]) - approx[static_cast<size_t>(r)]);
      ASSERT_LE(gap, bound[static_cast<size_t>(r)]) << "row " << r << " query " << t;
      if (bound[static_cast<size_t>(r)] > 0)
        worst = std::max(worst, gap / bound[static_cast<size_t>(r)]);
    }
  }
  // Not vacuous: the quantized scores are off by a visible share of the bound.
  EXPECT_GT(worst, 0.05);
}

TEST(KbFts, QueryQuotesEveryWord) {
  EXPECT_EQ(kb::fts_query("Hello, \"world\" -NOT: hello"), "\"hello\" OR \"world\" OR \"not\"");
  EXPECT_EQ(kb::fts_query(" -- !! "), "");
}

TEST(KbHashEmbedder, NormalizedAndWordBased) {
  auto e = kb::make_hash_embedder(64);
  const auto v = e->embed({"The cat, the CAT!", "", "dog"});
  double n0 = 0, n1 = 0;
  for (int d = 0; d < 64; ++d) {
    n0 += double(v[d]) * v[d];
    n1 += double(v[64 + d]) * v[64 + d];
  }
  EXPECT_NEAR(n0, 1.0, 1e-6);
  EXPECT_EQ(n1, 0.0);
  // "the" twice and "cat" twice: two coordinates of +-2/sqrt(8) (unless they collide).
  int nonzero = 0;
  for (int d = 0; d < 64; ++d) nonzero += v[d] != 0;
  EXPECT_LE(nonzero, 2);
  EXPECT_EQ(e->count_tokens("The cat, the CAT!"), 6);  // 4 words, ',' and '!'
}
