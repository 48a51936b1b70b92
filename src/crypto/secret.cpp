#include "crypto/secret.hpp"

#include <openssl/crypto.h>

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
  if (p_ && n_ > 0) OPENSSL_cleanse(p_.get(), n_);
  p_.reset();
  n_ = 0;
}

}  // namespace hearth::crypto
