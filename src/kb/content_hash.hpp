// SHA-256 of a file's bytes (OpenSSL libcrypto), hex: decides whether a changed mtime means
// changed content, so `sync` re-embeds only what really changed.
#pragma once

#include <string>

namespace hearth::kb {

std::string sha256_hex(const std::string& bytes);

}  // namespace hearth::kb
