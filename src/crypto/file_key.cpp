#include "crypto/file_key.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hearth/error.hpp"

namespace hearth::crypto {
namespace {

// Closes the descriptor on every path out of a function.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void validate_scrypt_params(const ScryptParams& s) {
  if (s.log2_n < 10 || s.log2_n > 24 || s.r < 1 || s.r > 32 || s.p < 1 || s.p > 16)
    fail(
        Status::kInvalidArgument,
        fmt::format("scrypt parameters log2(N)={} r={} p={} are out of range", s.log2_n, s.r, s.p));
  const uint64_t memory = uint64_t{128} * s.r << s.log2_n;
  if (memory > kMaxScryptMemory)
    fail(Status::kInvalidArgument, fmt::format("scrypt parameters need {} MiB (at most {} MiB)",
                                               memory >> 20, kMaxScryptMemory >> 20));
}

FileKey FileKey::from_bytes(const void* key, size_t len) {
  if (!key || len != kKeyBytes)
    fail(Status::kInvalidArgument,
         fmt::format("an encryption key is {} bytes, not {}", kKeyBytes, len));
  return FileKey(Kind::kRawKey, SecretBytes(key, len), {});
}

FileKey FileKey::from_key_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0)
    fail(Status::kIoError, fmt::format("cannot open key file {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    fail(Status::kIoError, fmt::format("cannot stat key file {}: {}", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) fail(Status::kInvalidArgument, "key file " + path + " is not a file");
  if ((st.st_mode & 077) != 0)
    fail(Status::kInvalidArgument,
         fmt::format("key file {} is accessible by other users (mode {:o}); chmod 600 it", path,
                     st.st_mode & 0777));
  if (st.st_size != static_cast<off_t>(kKeyBytes))
    fail(Status::kInvalidArgument,
         fmt::format("key file {} holds {} bytes; a key file holds {} (hearth keygen)", path,
                     static_cast<long long>(st.st_size), kKeyBytes));
  SecretBytes key(kKeyBytes);
  size_t got = 0;
  while (got < kKeyBytes) {
    const ssize_t n = ::read(f.fd, key.data() + got, kKeyBytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(Status::kIoError, fmt::format("cannot read key file {}", path));
    got += static_cast<size_t>(n);
  }
  return FileKey(Kind::kRawKey, std::move(key), {});
}

FileKey FileKey::from_passphrase(const void* passphrase, size_t len, ScryptParams params) {
  if (!passphrase || len == 0) fail(Status::kInvalidArgument, "the passphrase is empty");
  validate_scrypt_params(params);
  return FileKey(Kind::kPassphrase, SecretBytes(passphrase, len), params);
}

void write_new_key_file(const std::string& path) {
  SecretBytes key(FileKey::kKeyBytes);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    fail(Status::kInternal, "the random number generator failed");
  // O_EXCL: never overwrite (a lost key makes every file sealed with it unreadable);
  // O_NOFOLLOW: a planted symlink cannot redirect the key elsewhere.
  Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (f.fd < 0)
    fail(Status::kIoError,
         fmt::format("cannot create key file {}: {}", path, std::strerror(errno)));
  bool ok = ::fchmod(f.fd, 0600) == 0;  // the umask can only remove bits; be explicit anyway
  size_t put = 0;
  while (ok && put < key.size()) {
    const ssize_t n = ::write(f.fd, key.data() + put, key.size() - put);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) put += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(f.fd) == 0;
  if (!ok) {
    const int err = errno;
    ::unlink(path.c_str());
    fail(Status::kIoError, fmt::format("cannot write key file {}: {}", path, std::strerror(err)));
  }
}

}  // namespace hearth::crypto
