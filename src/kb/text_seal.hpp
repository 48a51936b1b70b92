// Encryption of the stored chunk text (issue 17): each chunk's text is sealed on its own with
// AES-256-GCM through src/crypto/sealed_file (a per-text random salt and nonce, the key
// derived with HKDF from a raw 256-bit key file), so a search decrypts only the k passages it
// returns. Only raw keys (`hearth keygen`) are accepted: a passphrase would run scrypt for
// every passage.
//
// What stays readable is documented in docs/kb.md: paths, sizes, hashes, page/line numbers and
// the vectors; an encrypted knowledge base keeps no FTS5 index (its term lists would give the
// text back), so it searches by vector only.
#pragma once

#include <memory>
#include <string>

#include "crypto/file_key.hpp"

namespace hearth::kb {

class TextSeal {
 public:
  // kInvalidArgument for a passphrase key.
  explicit TextSeal(std::shared_ptr<const crypto::FileKey> key);
  std::string seal(const std::string& plaintext) const;
  // kInvalidModel when the bytes do not authenticate (damaged, or another key).
  std::string open(const std::string& sealed) const;

 private:
  std::shared_ptr<const crypto::FileKey> key_;
};

}  // namespace hearth::kb
