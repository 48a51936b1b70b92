// Encrypted session files (Session::save/load with a key, and the C ABI's
// hearth_session_{save,load}_encrypted) on the model shipped in models/: the same conversation
// and bit-identical next-token logits as a clear file; any damaged byte region, truncation, a
// wrong key or a clear file fails and leaves the loading session exactly as it was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "crypto/file_key.hpp"
#include "crypto/sealed_file.hpp"
#include "hearth.h"
#include "hearth/error.hpp"
#include "session/session.hpp"

namespace hearth {
namespace {

const std::string kModel = std::string(HEARTH_SOURCE_DIR) + "/models/TinyStories-656K-Q8_0.gguf";

SessionParams params() {
  SessionParams p;
  p.context.n_ctx = 512;
  p.context.n_threads = 2;
  p.context.n_batch = 32;
  return p;
}

GenerateOptions greedy(int n) {
  GenerateOptions o;
  o.max_tokens = n;
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
}

// The logits of `token` fed after the session's cached tokens.
std::vector<float> next_logits(Session& s, int32_t token) {
  s.context().decode(&token, 1);
  const float* l = s.context().logits();
  return std::vector<float>(l, l + s.context().n_vocab());
}

class EncryptedSession : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kModel)) << kModel;
    model_ = Model::load(GgufFile::open(kModel));
    dir_ = ::testing::TempDir() + "hearth_enc_session_" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::shared_ptr<const Model> model_;
  std::string dir_;
};

crypto::FileKey key_of(uint8_t seed) {
  uint8_t k[32];
  for (int i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(seed + 7 * i);
  return crypto::FileKey::from_bytes(k, sizeof k);
}

TEST_F(EncryptedSession, SameConversationAndBitIdenticalLogitsAsAClearFile) {
  Session a(model_, params());
  a.add_message("system", "You tell short stories.");
  a.add_message("user", "Once upon a time there was a little fox.");
  a.generate(greedy(24));
  a.add_message("user", "What did the fox find?");
  a.generate(greedy(24));
  const crypto::FileKey key = key_of(1);
  a.save(path("clear.bin"));
  a.save(path("sealed.bin"), &key);
  const std::string clear_bytes = read_file(path("clear.bin"));
  const std::string sealed_bytes = read_file(path("sealed.bin"));
  ASSERT_TRUE(crypto::is_sealed(sealed_bytes.data(), sealed_bytes.size()));
  EXPECT_EQ(sealed_bytes.find("little fox"), std::string::npos) << "conversation in clear";
  EXPECT_NE(clear_bytes.find("little fox"), std::string::npos);

  Session c(model_, params()), e(model_, params());
  c.load(path("clear.bin"));
  e.load(path("sealed.bin"), &key);
  ASSERT_EQ(e.messages().size(), a.messages().size());
  for (size_t i = 0; i < a.messages().size(); ++i) {
    EXPECT_EQ(e.messages()[i].role, a.messages()[i].role);
    EXPECT_EQ(e.messages()[i].content, a.messages()[i].content);
  }
  EXPECT_EQ(e.cached_tokens(), a.cached_tokens());
  EXPECT_EQ(e.cached_tokens(), c.cached_tokens());
  const int32_t next = a.cached_tokens().back();
  const std::vector<float> lc = next_logits(c, next), le = next_logits(e, next);
  ASSERT_EQ(lc.size(), le.size());
  EXPECT_EQ(std::memcmp(lc.data(), le.data(), lc.size() * sizeof(float)), 0);
  // And the next turn replies identically.
  c.add_message("user", "The end?");
  e.add_message("user", "The end?");
  EXPECT_EQ(c.generate(greedy(16)).text, e.generate(greedy(16)).text);
}

TEST_F(EncryptedSession, DamageTruncationWrongKeyAndClearFilesFailLeavingTheSessionUnchanged) {
  const crypto::FileKey key = key_of(2);
  Session a(model_, params());
  a.add_message("user", "Tom had a red ball. He liked to play with it every day.");
  a.generate(greedy(64));
  a.save(path("good.bin"), &key);
  const std::string good = read_file(path("good.bin"));

  Session s(model_, params());  // must stay exactly as it is
  s.add_message("user", "A bird sang.");
  s.generate(greedy(8));
  const auto messages = s.messages();
  const auto cached = s.cached_tokens();
  const int n_past = s.context().n_past();
  auto expect_fails = [&](const std::string& bytes, Status want, const crypto::FileKey* k,
                          const std::string& what) {
    write_file(path("bad.bin"), bytes);
    try {
      s.load(path("bad.bin"), k);
      ADD_FAILURE() << what << ": loaded";
    } catch (const Error& err) {
      EXPECT_EQ(err.status(), want) << what << ": " << err.what();
    }
    ASSERT_EQ(s.messages().size(), messages.size()) << what;
    EXPECT_EQ(s.messages().back().content, messages.back().content) << what;
    EXPECT_EQ(s.cached_tokens(), cached) << what;
    EXPECT_EQ(s.context().n_past(), n_past) << what;
  };
  // Regions: magic, version, kdf, chunk size, salt, nonce, key check; the first, a middle and
  // the last ciphertext byte of every chunk; every chunk's tag.
  const size_t body = good.size() - crypto::kSealedHeaderBytes;
  const size_t sealed_chunk = crypto::kDefaultChunkBytes + crypto::kSealedTagBytes;
  const size_t n_chunks = (body + sealed_chunk - 1) / sealed_chunk;
  // The shipped model's KV rows are small (~0.5 KiB per token): its session files are one
  // chunk. Multi-chunk files are tested byte by byte in test_crypto.cpp.
  ASSERT_GE(n_chunks, 1u);
  std::vector<std::pair<size_t, Status>> flips = {
      {0, Status::kInvalidModel},  {8, Status::kInvalidModel},     {10, Status::kInvalidModel},
      {13, Status::kInvalidModel}, {30, Status::kInvalidArgument}, {44, Status::kInvalidModel},
      {55, Status::kInvalidModel}, {60, Status::kInvalidArgument}};
  for (size_t c = 0; c < n_chunks; ++c) {
    const size_t start = crypto::kSealedHeaderBytes + c * sealed_chunk;
    const size_t end = std::min(good.size(), start + sealed_chunk);  // one past the tag
    for (size_t at : {start, (start + end) / 2, end - crypto::kSealedTagBytes - 1,
                      end - crypto::kSealedTagBytes, end - 1})
      flips.emplace_back(at, Status::kInvalidModel);
  }
  for (const auto& [at, want] : flips) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x04);
    expect_fails(bad, want, &key, "flipped byte " + std::to_string(at));
  }
  for (size_t len : {size_t{0}, size_t{20}, crypto::kSealedHeaderBytes, good.size() / 2,
                     good.size() - crypto::kSealedTagBytes, good.size() - 1})
    expect_fails(good.substr(0, len), Status::kInvalidModel, &key, "cut at " + std::to_string(len));
  expect_fails(good + "x", Status::kInvalidModel, &key, "appended byte");
  const crypto::FileKey wrong = key_of(3);
  expect_fails(good, Status::kInvalidArgument, &wrong, "wrong key");
  expect_fails(good, Status::kInvalidArgument, nullptr, "no key");
  a.save(path("clear.bin"));
  expect_fails(read_file(path("clear.bin")), Status::kInvalidModel, &key, "clear file with a key");
  // The good file still loads.
  s.load(path("good.bin"), &key);
  EXPECT_EQ(s.cached_tokens(), a.cached_tokens());
}

TEST_F(EncryptedSession, CApiRoundTripAndErrors) {
  hearth_model* m = nullptr;
  ASSERT_EQ(hearth_model_load(kModel.c_str(), nullptr, &m), HEARTH_OK) << hearth_last_error();
  hearth_session* s = nullptr;
  ASSERT_EQ(hearth_session_new(m, nullptr, &s), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_add_message(s, "user", "Lily saw a cat."), HEARTH_OK);
  const std::string key_path = path("c.key"), file = path("c.bin");
  ASSERT_EQ(hearth_key_generate_file(key_path.c_str()), HEARTH_OK) << hearth_last_error();
  EXPECT_EQ(hearth_key_generate_file(key_path.c_str()), HEARTH_ERR_IO);
  hearth_key* key = nullptr;
  ASSERT_EQ(hearth_key_from_file(key_path.c_str(), &key), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_save_encrypted(s, file.c_str(), key), HEARTH_OK) << hearth_last_error();
  hearth_session* t = nullptr;
  ASSERT_EQ(hearth_session_new(m, nullptr, &t), HEARTH_OK);
  EXPECT_EQ(hearth_session_load(t, file.c_str()), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("encrypted"), std::string::npos);
  hearth_key* pass = nullptr;
  ASSERT_EQ(hearth_key_from_passphrase("pw", 2, &pass), HEARTH_OK);
  EXPECT_EQ(hearth_session_load_encrypted(t, file.c_str(), pass), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_session_load_encrypted(t, file.c_str(), key), HEARTH_OK) << hearth_last_error();
  uint8_t short_key[5] = {};
  hearth_key* bad = nullptr;
  EXPECT_EQ(hearth_key_from_bytes(short_key, sizeof short_key, &bad), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bad, nullptr);
  EXPECT_EQ(hearth_session_save_encrypted(s, file.c_str(), nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_session_load_encrypted(nullptr, file.c_str(), key), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_key_free(key);
  hearth_key_free(pass);
  hearth_key_free(nullptr);
  hearth_session_free(t);
  hearth_session_free(s);
  hearth_model_free(m);
}

}  // namespace
}  // namespace hearth
