// The few cryptographic primitives the server needs, from OpenSSL (Debian's libssl): SHA-256,
// random bytes, constant-time comparison. Nothing else in the server touches OpenSSL.
#pragma once

#include <string>

namespace hearth::server {

std::string sha256_hex(const std::string& data);
std::string random_hex(size_t n_bytes);  // throws when the system RNG fails
// Equal strings, in time that depends only on the lengths (API-key hashes are compared so).
bool constant_time_equal(const std::string& a, const std::string& b);
// "00ff" -> bytes; false on odd length or a non-hex digit.
bool hex_decode(const std::string& hex, std::string* out);

}  // namespace hearth::server
