// Encryption at rest in a build without OpenSSL (HEARTH_HAS_OPENSSL off: the MinGW cross build,
// for which Debian packages no OpenSSL). Compiled instead of src/crypto/file_key.cpp and
// sealed_file.cpp (secret.cpp needs no OpenSSL and is compiled in both): every call that
// would need a key or a cipher fails with kUnsupported and says why, so hearth_key_* and the
// sealed session calls report HEARTH_ERR_UNSUPPORTED rather than being missing from the ABI.
// is_sealed still works, so loading a sealed file gives that clear error, not "bad magic".
#include <cstring>

#include "crypto/file_key.hpp"
#include "crypto/sealed_file.hpp"
#include "hearth/error.hpp"

namespace hearth::crypto {
namespace {

[[noreturn]] void unavailable() {
  fail(Status::kUnsupported,
       "encrypted files are not available in this build of hearth (built without OpenSSL)");
}

}  // namespace

void validate_scrypt_params(const ScryptParams&) {
  unavailable();
}
FileKey FileKey::from_bytes(const void*, size_t) {
  unavailable();
}
FileKey FileKey::from_key_file(const std::string&) {
  unavailable();
}
FileKey FileKey::from_passphrase(const void*, size_t, ScryptParams) {
  unavailable();
}
void write_new_key_file(const std::string&) {
  unavailable();
}

bool is_sealed(const void* head, size_t n) {
  return n >= sizeof kSealedMagic && std::memcmp(head, kSealedMagic, sizeof kSealedMagic) == 0;
}

struct SealedWriter::Impl {};
SealedWriter::SealedWriter(const FileKey&, WriteFn, size_t) {
  unavailable();
}
SealedWriter::~SealedWriter() = default;
void SealedWriter::write(const void*, size_t) {
  unavailable();
}
void SealedWriter::finish() {
  unavailable();
}

void open_sealed(const FileKey&, const ReadFn&, const PlaintextFn&, const std::string&) {
  unavailable();
}

WriteFn file_writer(std::FILE*, const std::string&) {
  unavailable();
}
ReadFn file_reader(std::FILE*, const std::string&) {
  unavailable();
}

}  // namespace hearth::crypto
