#include "kb/text_seal.hpp"

#include <algorithm>
#include <cstring>

#include "crypto/sealed_file.hpp"
#include "hearth/error.hpp"

namespace hearth::kb {

TextSeal::TextSeal(std::shared_ptr<const crypto::FileKey> key) : key_(std::move(key)) {
  if (!key_ || key_->kind() != crypto::FileKey::Kind::kRawKey)
    hearth::fail(Status::kInvalidArgument,
                 "an encrypted knowledge base needs a key file (hearth keygen), not a passphrase");
}

std::string TextSeal::seal(const std::string& plaintext) const {
  std::string out;
  // The smallest chunk size the format allows: passages are a few KiB at most.
  crypto::SealedWriter w(
      *key_, [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }, 4096);
  w.write(plaintext.data(), plaintext.size());
  w.finish();
  return out;
}

std::string TextSeal::open(const std::string& sealed) const {
  std::string out;
  size_t pos = 0;
  crypto::open_sealed(
      *key_,
      [&](void* p, size_t n) {
        const size_t take = std::min(n, sealed.size() - pos);
        std::memcpy(p, sealed.data() + pos, take);
        pos += take;
        return take;
      },
      [&](const uint8_t* p, size_t n) { out.append(reinterpret_cast<const char*>(p), n); },
      "stored passage");
  return out;
}

}  // namespace hearth::kb
