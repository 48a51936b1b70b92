// The knowledge base end to end through its C++ API: indexing, search against a brute-force
// recomputation, the recorded model, format versions, bad input, and sealed (encrypted) text.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "crypto/file_key.hpp"
#include "hearth/error.hpp"
#include "kb/fts.hpp"
#include "kb/knowledge_base.hpp"

namespace fs = std::filesystem;
namespace kb = hearth::kb;

namespace {

class KbStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hearth_kb_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "docs");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / "docs" / rel).parent_path());
    std::ofstream(dir_ / "docs" / rel, std::ios::binary) << text;
  }
  std::unique_ptr<kb::KnowledgeBase> open(int dim = 64,
                                          std::shared_ptr<hearth::crypto::FileKey> key = {}) {
    kb::KbOptions o;
    o.create = true;
    o.key = key;
    o.chunk_tokens = 24;
    o.chunk_overlap = 4;
    auto k = kb::KnowledgeBase::open((dir_ / "kb.sqlite").string(), o);
    k->set_embedder(kb::make_hash_embedder(dim), "hash:" + std::to_string(dim));
    return k;
  }
  fs::path dir_;
};

std::string sentence(std::mt19937& rng, int n) {
  static const char* w[] = {"alpha", "beta", "gamma", "delta", "river", "stone", "cloud",
                            "lamp",  "tree", "fox",   "owl",   "sand",  "wind",  "fire"};
  std::string s;
  for (int i = 0; i < n; ++i) s += std::string(i ? " " : "") + w[rng() % 14];
  return s;
}

}  // namespace

TEST_F(KbStore, VectorSearchEqualsBruteForce) {
  std::mt19937 rng(11);
  for (int f = 0; f < 12; ++f) {
    std::string t;
    for (int p = 0; p < 6; ++p) t += sentence(rng, 8 + static_cast<int>(rng() % 20)) + ".\n\n";
    write("f" + std::to_string(f) + ".txt", t);
  }
  auto k = open();
  const auto r = k->add({(dir_ / "docs").string()});
  EXPECT_EQ(r.files_indexed, 12);
  EXPECT_EQ(r.files_failed, 0);
  ASSERT_GT(r.chunks_added, 30);
  // Brute force through SQLite's own API: every stored vector against the query's.
  const std::string query = "river stone fox";
  const auto qv = kb::make_hash_embedder(64)->embed({query});
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "kb.sqlite").string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT chunk_id, vector FROM chunk_vectors", -1, &st, nullptr);
  std::vector<std::pair<double, int64_t>> ref;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const float* v = static_cast<const float*>(sqlite3_column_blob(st, 1));
    ASSERT_EQ(sqlite3_column_bytes(st, 1), 64 * 4);
    double s = 0;
    for (int d = 0; d < 64; ++d) s += double(v[d]) * qv[d];
    ref.push_back({-s, sqlite3_column_int64(st, 0)});
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::sort(ref.begin(), ref.end());
  kb::SearchOptions so;
  so.k = 8;
  so.mode = kb::SearchMode::kVector;
  const auto hits = k->search(query, so);
  ASSERT_EQ(hits.size(), 8u);
  for (size_t i = 0; i < hits.size(); ++i) {
    EXPECT_NEAR(hits[i].score, -ref[i].first, 1e-5);
    // Equal scores may come in either order only when they really tie.
    if (hits[i].chunk_id != ref[i].second) {
      EXPECT_NEAR(-ref[i].first, hits[i].score, 1e-6);
    }
  }
}

TEST_F(KbStore, Bm25FindsTheKeywordDocumentAndHybridFuses) {
  std::mt19937 rng(5);
  for (int f = 0; f < 8; ++f) write("n" + std::to_string(f) + ".md", sentence(rng, 40));
  write("special.md", sentence(rng, 10) + " xylophone quartz " + sentence(rng, 10));
  auto k = open();
  k->add({(dir_ / "docs").string()});
  for (auto mode : {kb::SearchMode::kBm25, kb::SearchMode::kHybrid}) {
    kb::SearchOptions so;
    so.mode = mode;
    so.k = 3;
    const auto hits = k->search("Quartz xylophone?", so);
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(fs::path(hits[0].path).filename(), "special.md");
    EXPECT_NE(hits[0].text.find("xylophone quartz"), std::string::npos);
    EXPECT_EQ(hits[0].line, 1);
  }
}

// The rare-first BM25 plan (fts.hpp) ranks exactly as FTS5's plain query over all the words:
// same passages in the same order, scores equal to float precision. The corpus is made so that
// the plan applies (mid-frequency words in 25-33% of 400 passages, rare ones in 2-3%), and the
// test checks that it did, so the comparison is not vacuous.
TEST_F(KbStore, Bm25RareFirstEqualsThePlainQuery) {
  std::mt19937 rng(7);
  static const char* filler[] = {"amber", "birch", "coral", "delta", "ember", "flint", "grove",
                                 "hazel", "inlet", "jetty", "knoll", "ledge", "marsh", "notch"};
  for (int i = 0; i < 400; ++i) {
    std::string t = "the";
    for (int n = 4 + static_cast<int>(rng() % 12); n > 0; --n)
      t += std::string(" ") + filler[rng() % 14];
    if (i % 3 == 0) t += " water";
    if (i % 4 == 0) t += " stone water";
    if (i % 33 == 0) t += " zircon";
    if (i % 37 == 1) t += " quartz";
    if (i % 41 == 2) t += " basalt basalt";
    write("d" + std::to_string(i) + ".txt", t + ".\n");
  }
  auto k = open();
  ASSERT_EQ(k->add({(dir_ / "docs").string()}).files_failed, 0);
  kb::Bm25Searcher searcher;
  int rare_first = 0;
  for (const char* q : {"zircon water", "quartz basalt stone water", "water basalt the",
                        "stone zircon quartz", "water stone", "zircon"}) {
    for (size_t limit : {3u, 10u, 20u}) {
      const auto got = searcher.search(k->db(), q, limit);
      rare_first += searcher.last_plan() == kb::Bm25Searcher::Plan::kRareFirst;
      // "the" is in every passage: left out by both shortcuts, so the reference leaves it out too.
      std::string words;
      for (const std::string& w : kb::fts_terms(q))
        if (w != "the") words += w + " ";
      const auto ref = kb::bm25_search(k->db(), kb::fts_query(words), limit);
      ASSERT_EQ(got.size(), ref.size()) << q << " limit " << limit;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id, ref[i].id) << q << " limit " << limit << " #" << i;
        EXPECT_NEAR(got[i].score, ref[i].score, 1e-5 * std::fabs(ref[i].score)) << q;
      }
    }
  }
  EXPECT_GE(rare_first, 6);  // the plan ran (and its fallbacks for the other queries)
}

TEST_F(KbStore, RefusesAnotherModel) {
  write("a.txt", "some words here");
  open(64)->add({(dir_ / "docs").string()});
  kb::KbOptions o;
  auto k = kb::KnowledgeBase::open((dir_ / "kb.sqlite").string(), o);
  try {
    k->set_embedder(kb::make_hash_embedder(32), "hash:32");
    FAIL() << "another model was accepted";
  } catch (const hearth::Error& e) {
    EXPECT_EQ(e.status(), hearth::Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("hash:64"), std::string::npos) << e.what();
  }
}

TEST_F(KbStore, NewerFormatAndForeignFilesAreRefused) {
  write("a.txt", "text");
  open()->add({(dir_ / "docs").string()});
  const std::string path = (dir_ / "kb.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    kb::KnowledgeBase::open(path, {});
    FAIL();
  } catch (const hearth::Error& e) {
    EXPECT_EQ(e.status(), hearth::Status::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("version 99"), std::string::npos) << e.what();
  }
  // A SQLite file of another application, and a file that is not SQLite at all.
  const std::string other = (dir_ / "other.db").string();
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(kb::KnowledgeBase::open(other, {}), hearth::Error);
  std::ofstream(dir_ / "junk.db") << std::string(8192, 'j');
  EXPECT_THROW(kb::KnowledgeBase::open((dir_ / "junk.db").string(), {}), hearth::Error);
  EXPECT_THROW(kb::KnowledgeBase::open((dir_ / "missing.db").string(), {}), hearth::Error);
}

TEST_F(KbStore, BadFilesAreReportedAndOthersIndexed) {
  write("good.txt", "a perfectly good file about lamps");
  write("binary.txt", std::string("abc\0def", 7));
  write("latin1.txt", "caf\xE9 au lait");
  write("empty.md", "");
  write("unknown.xyz", "not read in folders");
  auto k = open();
  auto r = k->add({(dir_ / "docs").string(), (dir_ / "docs" / "nope.txt").string()});
  EXPECT_EQ(r.files_failed, 2);   // binary.txt, nope.txt
  EXPECT_EQ(r.files_indexed, 3);  // good, latin1 (repaired), empty (no passages)
  bool binary = false, missing = false, latin1 = false;
  for (const auto& i : r.issues) {
    binary |= i.error && i.path.find("binary.txt") != std::string::npos &&
              i.message.find("binary") != std::string::npos;
    missing |= i.error && i.path.find("nope.txt") != std::string::npos;
    latin1 |= !i.error && i.path.find("latin1.txt") != std::string::npos;
  }
  EXPECT_TRUE(binary && missing && latin1);
  kb::SearchOptions so;
  so.mode = kb::SearchMode::kBm25;
  const auto hits = k->search("lait", so);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text, "caf\xEF\xBF\xBD au lait");
}

TEST_F(KbStore, SealedTextIsNotStoredInTheClear) {
  const std::string key_path = (dir_ / "kb.key").string();
  hearth::crypto::write_new_key_file(key_path);
  auto key =
      std::make_shared<hearth::crypto::FileKey>(hearth::crypto::FileKey::from_key_file(key_path));
  write("secret.txt", "the zanzibar launch code is hidden in the orchard");
  {
    auto k = open(64, key);
    EXPECT_EQ(k->add({(dir_ / "docs").string()}).files_indexed, 1);
    kb::SearchOptions so;
    so.mode = kb::SearchMode::kVector;
    const auto hits = k->search("zanzibar orchard", so);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].text, "the zanzibar launch code is hidden in the orchard");
    so.mode = kb::SearchMode::kBm25;
    EXPECT_THROW(k->search("zanzibar", so), hearth::Error);
  }
  // Neither the database nor its WAL holds the word.
  for (const char* f : {"kb.sqlite", "kb.sqlite-wal"}) {
    std::ifstream in(dir_ / f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("zanzibar"), std::string::npos) << f;
  }
  EXPECT_THROW(kb::KnowledgeBase::open((dir_ / "kb.sqlite").string(), {}), hearth::Error);
  hearth::crypto::write_new_key_file((dir_ / "other.key").string());
  kb::KbOptions o;
  o.key = std::make_shared<hearth::crypto::FileKey>(
      hearth::crypto::FileKey::from_key_file((dir_ / "other.key").string()));
  EXPECT_THROW(kb::KnowledgeBase::open((dir_ / "kb.sqlite").string(), o), hearth::Error);
}

TEST_F(KbStore, RedactMasksPersonalDataInStoredPassages) {
  const std::string pii =
      "Contact jane.doe@example.com or +1 (555) 123-4567 about card 4111 1111 1111 1111.";
  write("a.txt", "The lighthouse keeper lives here.\n\n" + pii + "\n");
  for (const bool redact : {false, true}) {
    auto k = open();
    kb::IndexOptions o;
    o.redact = redact;
    ASSERT_EQ(k->add({(dir_ / "docs").string()}, o).files_indexed, 1);
    std::string stored;
    kb::SearchOptions so;
    so.k = 10;
    so.mode = kb::SearchMode::kVector;
    for (const auto& h : k->search("lighthouse keeper contact", so)) stored += h.text;
    ASSERT_FALSE(stored.empty());
    EXPECT_EQ(stored.find("jane.doe@example.com") == std::string::npos, redact) << stored;
    EXPECT_EQ(stored.find("4111 1111") == std::string::npos, redact) << stored;
    EXPECT_EQ(stored.find("[EMAIL]") != std::string::npos, redact) << stored;
    so.mode = kb::SearchMode::kBm25;  // nor does the keyword index know the address
    EXPECT_EQ(k->search("jane", so).empty(), redact);
    k.reset();
    fs::remove(dir_ / "kb.sqlite");
  }
}
