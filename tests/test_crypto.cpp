// Sealed files (src/crypto/): round trips at every chunk-size edge; every modification a
// storage medium or an attacker can make — a flipped bit in any byte of the header, nonce,
// ciphertext of every chunk and tags, truncation anywhere, appended bytes, reordered or
// spliced chunks, a wrong key — is rejected; key files and passphrases.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "crypto/file_key.hpp"
#include "crypto/sealed_file.hpp"
#include "hearth/error.hpp"

namespace hearth::crypto {
namespace {

constexpr size_t kChunk = 4096;  // the smallest chunk: many chunks from little data

FileKey test_key(uint8_t seed) {
  uint8_t k[32];
  for (int i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(seed * 31 + i);
  return FileKey::from_bytes(k, sizeof k);
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string seal(const FileKey& key, const std::string& plain, size_t chunk = kChunk,
                 size_t piece = 1000) {
  std::string out;
  SealedWriter w(
      key, [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }, chunk);
  for (size_t i = 0; i < plain.size(); i += piece)
    w.write(plain.data() + i, std::min(piece, plain.size() - i));
  w.finish();
  return out;
}

std::string unseal(const FileKey& key, const std::string& sealed) {
  size_t pos = 0;
  std::string out;
  open_sealed(
      key,
      [&](void* p, size_t n) {
        n = std::min(n, sealed.size() - pos);
        std::memcpy(p, sealed.data() + pos, n);
        pos += n;
        return n;
      },
      [&](const uint8_t* p, size_t n) { out.append(reinterpret_cast<const char*>(p), n); }, "test");
  return out;
}

// The status unseal fails with (kOk: it did not fail).
Status unseal_status(const FileKey& key, const std::string& sealed,
                     std::string* message = nullptr) {
  try {
    unseal(key, sealed);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.status();
  }
  return Status::kOk;
}

TEST(SealedFile, RoundTripsAtEveryChunkEdge) {
  const FileKey key = test_key(1);
  for (size_t n :
       {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk, 3 * kChunk + 17}) {
    const std::string plain = random_bytes(n, static_cast<uint32_t>(n));
    const std::string sealed = seal(key, plain);
    const size_t chunks = n / kChunk + (n % kChunk || n == 0 ? 1 : 0);
    EXPECT_EQ(sealed.size(), kSealedHeaderBytes + n + chunks * kSealedTagBytes) << n;
    EXPECT_EQ(unseal(key, sealed), plain) << n;
    if (n >= 16) {
      EXPECT_EQ(sealed.find(plain.substr(0, 16)), std::string::npos) << "clear text";
    }
  }
}

TEST(SealedFile, SameInputSealsDifferentlyEachTime) {
  const FileKey key = test_key(1);
  const std::string plain(5000, 'a');
  EXPECT_NE(seal(key, plain), seal(key, plain));  // fresh salt and nonce per file
}

TEST(SealedFile, EveryFlippedBitIsRejected) {
  const FileKey key = test_key(2);
  const std::string plain = random_bytes(2 * kChunk + 100, 7);  // three chunks
  const std::string sealed = seal(key, plain);
  ASSERT_EQ(unseal(key, sealed), plain);
  // Every byte of the file: header fields, salt, nonce, key check, each chunk's ciphertext and
  // each tag; a different bit each time.
  for (size_t at = 0; at < sealed.size(); ++at) {
    std::string bad = sealed;
    bad[at] = static_cast<char>(bad[at] ^ (1 << (at % 8)));
    std::string msg;
    const Status st = unseal_status(key, bad, &msg);
    // The key check and salt (bytes 28..43, 56..71) read as a wrong key; everything else as
    // damage.
    const bool key_field = (at >= 28 && at < 44) || (at >= 56 && at < 72);
    ASSERT_EQ(st, key_field ? Status::kInvalidArgument : Status::kInvalidModel)
        << "byte " << at << ": " << msg;
  }
}

TEST(SealedFile, TruncationAppendingReorderingAndSplicingAreRejected) {
  const FileKey key = test_key(3);
  const std::string plain = random_bytes(3 * kChunk, 9);  // three full chunks
  const std::string sealed = seal(key, plain);
  const size_t sc = kChunk + kSealedTagBytes;
  // Cut at every chunk boundary (the dangerous case: what remains is well-formed chunks), inside
  // chunks, inside tags and inside the header.
  for (size_t len :
       {size_t{0}, size_t{7}, size_t{40}, kSealedHeaderBytes, kSealedHeaderBytes + 1,
        kSealedHeaderBytes + sc, kSealedHeaderBytes + 2 * sc, kSealedHeaderBytes + sc + 100,
        sealed.size() - kSealedTagBytes, sealed.size() - 1})
    EXPECT_EQ(unseal_status(key, sealed.substr(0, len)), Status::kInvalidModel) << len;
  EXPECT_EQ(unseal_status(key, sealed + "x"), Status::kInvalidModel);
  EXPECT_EQ(unseal_status(key, sealed + sealed.substr(kSealedHeaderBytes, sc)),
            Status::kInvalidModel);
  std::string swapped = sealed;
  swapped.replace(kSealedHeaderBytes, sc, sealed.substr(kSealedHeaderBytes + sc, sc));
  swapped.replace(kSealedHeaderBytes + sc, sc, sealed.substr(kSealedHeaderBytes, sc));
  EXPECT_EQ(unseal_status(key, swapped), Status::kInvalidModel);
  // A chunk from another file sealed with the same key.
  const std::string other = seal(key, random_bytes(3 * kChunk, 10));
  std::string spliced = sealed;
  spliced.replace(kSealedHeaderBytes + sc, sc, other.substr(kSealedHeaderBytes + sc, sc));
  EXPECT_EQ(unseal_status(key, spliced), Status::kInvalidModel);
}

TEST(SealedFile, WrongKeyOrKindIsAClearError) {
  const std::string sealed = seal(test_key(4), "secret conversation");
  std::string msg;
  EXPECT_EQ(unseal_status(test_key(5), sealed, &msg), Status::kInvalidArgument);
  EXPECT_NE(msg.find("wrong key"), std::string::npos) << msg;
  const FileKey pass = FileKey::from_passphrase("hunter2", 7, {10, 8, 1});
  EXPECT_EQ(unseal_status(pass, sealed, &msg), Status::kInvalidArgument);
  EXPECT_NE(msg.find("key file"), std::string::npos) << msg;
  EXPECT_EQ(unseal_status(test_key(4), "HEARTHSS not sealed at all......"), Status::kInvalidModel);
}

TEST(SealedFile, PassphraseRoundTripStoresItsScryptParameters) {
  const std::string phrase = "correct horse battery staple";
  const FileKey key = FileKey::from_passphrase(phrase.data(), phrase.size(), {11, 8, 2});
  const std::string plain = random_bytes(10000, 11);
  const std::string sealed = seal(key, plain);
  // Opening uses the parameters in the file, not those of the FileKey it is given.
  const FileKey same = FileKey::from_passphrase(phrase.data(), phrase.size());
  EXPECT_EQ(unseal(same, sealed), plain);
  const FileKey wrong = FileKey::from_passphrase("correct horse battery stapler", 29, {11, 8, 2});
  std::string msg;
  EXPECT_EQ(unseal_status(wrong, sealed, &msg), Status::kInvalidArgument);
  EXPECT_EQ(msg.find("correct horse"), std::string::npos) << "secret in a message: " << msg;
  // A header asking for more memory than allowed is refused before deriving anything.
  std::string greedy = sealed;
  greedy[16] = 30;  // scrypt log2(N)
  EXPECT_EQ(unseal_status(same, greedy), Status::kInvalidModel);
}

TEST(FileKeys, KeygenWritesAPrivateRandomKeyAndNeverOverwrites) {
  const std::string dir = ::testing::TempDir() + "hearth_keys_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/a.key", path2 = dir + "/b.key";
  std::filesystem::remove(path);
  std::filesystem::remove(path2);
  write_new_key_file(path);
  write_new_key_file(path2);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  const FileKey a = FileKey::from_key_file(path), b = FileKey::from_key_file(path2);
  EXPECT_NE(std::memcmp(a.secret().data(), b.secret().data(), 32), 0);
  EXPECT_EQ(unseal(a, seal(a, "x")), "x");
  try {
    write_new_key_file(path);
    ADD_FAILURE() << "overwrote a key file";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kIoError);
  }
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(FileKey::from_key_file(path), Error);
  std::ofstream(dir + "/short.key") << "0123456789";
  ::chmod((dir + "/short.key").c_str(), 0600);
  EXPECT_THROW(FileKey::from_key_file(dir + "/short.key"), Error);
  EXPECT_THROW(FileKey::from_bytes("short", 5), Error);
  EXPECT_THROW(FileKey::from_passphrase("", 0), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::crypto
