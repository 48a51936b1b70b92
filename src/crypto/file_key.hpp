// hearth::crypto::FileKey — what an encrypted file is sealed with: either a raw 256-bit key
// (a key file written by `hearth keygen`, or bytes from the application's own key store) or a
// passphrase, which sealed_file.cpp stretches with scrypt using a per-file random salt.
//
// The secret lives in a SecretBytes (wiped when the FileKey is destroyed) and never appears in
// an error message.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/secret.hpp"

namespace hearth::crypto {

// scrypt cost: N = 2^log2_n, memory 128 * r * N bytes. The default (N = 2^16, r = 8, p = 1:
// 64 MiB, ~0.2 s) follows current guidance for interactive use; loading refuses parameters
// above kMaxScryptMemory so a crafted header cannot make us allocate without bound.
struct ScryptParams {
  uint32_t log2_n = 16;
  uint32_t r = 8;
  uint32_t p = 1;
};
constexpr uint64_t kMaxScryptMemory = uint64_t{1} << 30;
// kInvalidArgument when the parameters are out of range (log2_n in [10, 24], r in [1, 32],
// p in [1, 16], memory <= kMaxScryptMemory).
void validate_scrypt_params(const ScryptParams& params);

class FileKey {
 public:
  static constexpr size_t kKeyBytes = 32;
  enum class Kind { kRawKey, kPassphrase };

  // kInvalidArgument unless len == kKeyBytes.
  static FileKey from_bytes(const void* key, size_t len);
  // A key file holds exactly kKeyBytes bytes. kIoError when it cannot be read;
  // kInvalidArgument when it has another size or other users may read it (mode & 077: like
  // ssh, a key everyone can read protects nothing).
  static FileKey from_key_file(const std::string& path);
  // kInvalidArgument for an empty passphrase. `params` is used when sealing; opening uses the
  // parameters stored in the file.
  static FileKey from_passphrase(const void* passphrase, size_t len, ScryptParams params = {});

  Kind kind() const { return kind_; }
  const SecretBytes& secret() const { return secret_; }
  const ScryptParams& scrypt_params() const { return scrypt_; }

 private:
  FileKey(Kind kind, SecretBytes secret, ScryptParams scrypt)
      : kind_(kind), secret_(std::move(secret)), scrypt_(scrypt) {}
  Kind kind_;
  SecretBytes secret_;
  ScryptParams scrypt_;
};

// Writes kKeyBytes bytes from the OpenSSL CSPRNG to a new file created with mode 0600.
// Refuses to overwrite an existing file (kIoError), so a key cannot be lost by accident.
void write_new_key_file(const std::string& path);

}  // namespace hearth::crypto
