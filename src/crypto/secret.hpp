// hearth::crypto::SecretBytes — a fixed-size byte buffer for key material that is wiped
// (OPENSSL_cleanse, which the compiler cannot optimise away) when it is freed or reassigned.
// It cannot be copied, so no stray copy of a key outlives its owner; moving hands the one
// buffer over without copying its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace hearth::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n);            // n zero bytes
  SecretBytes(const void* bytes, size_t n);  // a copy of bytes[0, n)
  ~SecretBytes() { wipe(); }
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  uint8_t* data() { return p_.get(); }
  const uint8_t* data() const { return p_.get(); }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

 private:
  void wipe() noexcept;
  std::unique_ptr<uint8_t[]> p_;
  size_t n_ = 0;
};

}  // namespace hearth::crypto
