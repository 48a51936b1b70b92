// Also compiled in builds without OpenSSL (the MinGW cross build): nothing here needs it.
#include "crypto/secret.hpp"

#include <cstring>

namespace hearth::crypto {

SecretBytes::SecretBytes(size_t n) : p_(new uint8_t[n]()), n_(n) {}

SecretBytes::SecretBytes(const void* bytes, size_t n) : p_(new uint8_t[n]), n_(n) {
  if (n > 0) std::memcpy(p_.get(), bytes, n);
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : p_(std::move(other.p_)), n_(other.n_) {
  other.n_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    p_ = std::move(other.p_);
    n_ = other.n_;
    other.n_ = 0;
  }
  return *this;
}

void SecretBytes::wipe() noexcept {
  // Through a volatile pointer, so the stores cannot be dropped as dead before the free (what
  // OPENSSL_cleanse guarantees, without needing OpenSSL).
  volatile uint8_t* p = p_.get();
  for (size_t i = 0; p && i < n_; ++i) p[i] = 0;
  p_.reset();
  n_ = 0;
}

}  // namespace hearth::crypto
