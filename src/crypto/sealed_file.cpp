// Sealed files: see sealed_file.hpp for the format and why it is built this way.
#include "crypto/sealed_file.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <cstring>
#include <vector>

#include "hearth/error.hpp"

namespace hearth::crypto {
namespace {

constexpr uint16_t kVersion = 1;
constexpr uint8_t kKdfHkdf = 1;
constexpr uint8_t kKdfScrypt = 2;
constexpr uint8_t kCipherAes256Gcm = 1;
constexpr size_t kMinChunk = size_t{4} << 10;
constexpr size_t kMaxChunk = size_t{16} << 20;
constexpr size_t kSaltBytes = 16;
constexpr size_t kNonceBytes = 12;
constexpr size_t kCheckBytes = 16;
constexpr char kHkdfInfo[] = "hearth sealed file v1";

// Field offsets in the header.
constexpr size_t kOffVersion = 8, kOffKdf = 10, kOffCipher = 11, kOffChunk = 12, kOffScrypt = 16,
                 kOffSalt = 28, kOffNonce = 44, kOffCheck = 56;
static_assert(kOffCheck + kCheckBytes == kSealedHeaderBytes, "header layout");

using Header = uint8_t[kSealedHeaderBytes];

uint32_t get_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

[[noreturn]] void openssl_failed(const char* what) {
  fail(Status::kInternal, fmt::format("OpenSSL: {} failed", what));
}

// 48 bytes: the AES key (0..31) and the key check (32..47).
SecretBytes derive(const FileKey& key, uint8_t kdf, const ScryptParams& s, const uint8_t* salt) {
  SecretBytes out(FileKey::kKeyBytes + kCheckBytes);
  const SecretBytes& secret = key.secret();
  if (kdf == kKdfScrypt) {
    const uint64_t max_mem = 2 * kMaxScryptMemory;  // validated before; room for scrypt's B
    if (EVP_PBE_scrypt(reinterpret_cast<const char*>(secret.data()), secret.size(), salt,
                       kSaltBytes, uint64_t{1} << s.log2_n, s.r, s.p, max_mem, out.data(),
                       out.size()) != 1)
      openssl_failed("scrypt");
    return out;
  }
  EVP_KDF* kdf_impl = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf_impl ? EVP_KDF_CTX_new(kdf_impl) : nullptr;
  EVP_KDF_free(kdf_impl);
  if (!ctx) openssl_failed("HKDF");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt),
                                        kSaltBytes),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kHkdfInfo),
                                        sizeof kHkdfInfo - 1),
      OSSL_PARAM_construct_end()};
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);  // wipes its copy of the key
  if (ok != 1) openssl_failed("HKDF");
  return out;
}

// One AES-256-GCM context for all chunks of a file: the key schedule is computed once; each
// chunk only sets its nonce. EVP_CIPHER_CTX_free wipes the key schedule.
class Gcm {
 public:
  Gcm(const uint8_t* key, bool encrypt, const uint8_t* header) : encrypt_(encrypt) {
    std::memcpy(header_, header, kSealedHeaderBytes);
    std::memcpy(base_nonce_, header + kOffNonce, kNonceBytes);
    ctx_ = EVP_CIPHER_CTX_new();
    if (!ctx_ ||
        EVP_CipherInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key, nullptr, encrypt ? 1 : 0) != 1)
      openssl_failed("AES-256-GCM setup");
  }
  ~Gcm() { EVP_CIPHER_CTX_free(ctx_); }
  Gcm(const Gcm&) = delete;
  Gcm& operator=(const Gcm&) = delete;

  // Encrypts buf[0, n) in place and writes the tag to buf[n, n + 16).
  void seal(uint8_t* buf, size_t n, uint64_t index, bool final) {
    int len = 0;
    start(index, final);
    if ((n > 0 && EVP_EncryptUpdate(ctx_, buf, &len, buf, static_cast<int>(n)) != 1) ||
        EVP_EncryptFinal_ex(ctx_, buf + n, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kSealedTagBytes, buf + n) != 1)
      openssl_failed("AES-256-GCM encryption");
  }
  // Decrypts buf[0, n) in place, checking the tag at buf[n, n + 16). On failure the
  // unauthenticated plaintext is wiped and false returned.
  bool open(uint8_t* buf, size_t n, uint64_t index, bool final) {
    int len = 0;
    start(index, final);
    bool ok = (n == 0 || EVP_DecryptUpdate(ctx_, buf, &len, buf, static_cast<int>(n)) == 1) &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kSealedTagBytes, buf + n) == 1 &&
              EVP_DecryptFinal_ex(ctx_, buf + n, &len) == 1;
    if (!ok) OPENSSL_cleanse(buf, n);
    return ok;
  }

 private:
  void start(uint64_t index, bool final) {
    uint8_t nonce[kNonceBytes];
    std::memcpy(nonce, base_nonce_, kNonceBytes);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<uint8_t>(index >> (56 - 8 * i));
    if (final) nonce[3] ^= 0x01;
    int len = 0;
    if (EVP_CipherInit_ex(ctx_, nullptr, nullptr, nullptr, nonce, encrypt_ ? 1 : 0) != 1 ||
        EVP_CipherUpdate(ctx_, nullptr, &len, header_, kSealedHeaderBytes) != 1)
      openssl_failed("AES-256-GCM nonce/AAD");
  }

  EVP_CIPHER_CTX* ctx_ = nullptr;
  bool encrypt_;
  uint8_t header_[kSealedHeaderBytes];
  uint8_t base_nonce_[kNonceBytes];
};

[[noreturn]] void damaged(const std::string& name, const std::string& why) {
  fail(Status::kInvalidModel, fmt::format("encrypted file {}: {}", name, why));
}

}  // namespace

bool is_sealed(const void* head, size_t n) {
  return n >= sizeof kSealedMagic && std::memcmp(head, kSealedMagic, sizeof kSealedMagic) == 0;
}

struct SealedWriter::Impl {
  WriteFn out;
  std::unique_ptr<Gcm> gcm;
  std::vector<uint8_t> buf;  // chunk_bytes of plaintext + room for the tag
  size_t chunk = 0, used = 0;
  uint64_t index = 0;
  bool finished = false;

  void flush(bool final) {
    gcm->seal(buf.data(), used, index++, final);
    out(buf.data(), used + kSealedTagBytes);
    OPENSSL_cleanse(buf.data(), buf.size());
    used = 0;
  }
};

SealedWriter::SealedWriter(const FileKey& key, WriteFn out, size_t chunk_bytes)
    : impl_(std::make_unique<Impl>()) {
  if (chunk_bytes < kMinChunk || chunk_bytes > kMaxChunk)
    fail(Status::kInvalidArgument, fmt::format("chunk size {} is out of range", chunk_bytes));
  Header h{};
  std::memcpy(h, kSealedMagic, sizeof kSealedMagic);
  h[kOffVersion] = kVersion & 0xff;
  h[kOffVersion + 1] = kVersion >> 8;
  const bool pass = key.kind() == FileKey::Kind::kPassphrase;
  h[kOffKdf] = pass ? kKdfScrypt : kKdfHkdf;
  h[kOffCipher] = kCipherAes256Gcm;
  put_u32(h + kOffChunk, static_cast<uint32_t>(chunk_bytes));
  const ScryptParams s = key.scrypt_params();
  if (pass) {
    put_u32(h + kOffScrypt, s.log2_n);
    put_u32(h + kOffScrypt + 4, s.r);
    put_u32(h + kOffScrypt + 8, s.p);
  }
  if (RAND_bytes(h + kOffSalt, kSaltBytes) != 1 || RAND_bytes(h + kOffNonce, kNonceBytes) != 1)
    fail(Status::kInternal, "the random number generator failed");
  const SecretBytes derived = derive(key, h[kOffKdf], s, h + kOffSalt);
  std::memcpy(h + kOffCheck, derived.data() + FileKey::kKeyBytes, kCheckBytes);
  impl_->gcm = std::make_unique<Gcm>(derived.data(), true, h);
  impl_->out = std::move(out);
  impl_->chunk = chunk_bytes;
  impl_->buf.resize(chunk_bytes + kSealedTagBytes);
  impl_->out(h, sizeof h);
}

SealedWriter::~SealedWriter() {
  if (impl_) OPENSSL_cleanse(impl_->buf.data(), impl_->buf.size());
}

void SealedWriter::write(const void* bytes, size_t n) {
  Impl& w = *impl_;
  if (w.finished) fail(Status::kInvalidArgument, "SealedWriter::write after finish");
  const auto* p = static_cast<const uint8_t*>(bytes);
  while (n > 0) {
    // A full chunk is sealed only once more data arrives: the last chunk must be marked final.
    if (w.used == w.chunk) w.flush(false);
    const size_t take = std::min(n, w.chunk - w.used);
    std::memcpy(w.buf.data() + w.used, p, take);
    w.used += take;
    p += take;
    n -= take;
  }
}

void SealedWriter::finish() {
  Impl& w = *impl_;
  if (w.finished) fail(Status::kInvalidArgument, "SealedWriter::finish called twice");
  w.flush(true);
  w.finished = true;
}

void open_sealed(const FileKey& key, const ReadFn& in, const PlaintextFn& out,
                 const std::string& name) {
  // Reads until n bytes or the end of the input.
  auto read_full = [&](uint8_t* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      const size_t r = in(p + got, n - got);
      if (r == 0) break;
      got += r;
    }
    return got;
  };
  Header h{};
  const size_t got = read_full(h, sizeof h);
  if (!is_sealed(h, got)) damaged(name, "not an encrypted hearth file (bad magic)");
  if (got < sizeof h) damaged(name, "truncated in the header");
  const unsigned version = h[kOffVersion] | h[kOffVersion + 1] << 8;
  if (version != kVersion)
    damaged(name, fmt::format("format version {} is not supported (this build reads {})", version,
                              kVersion));
  if (h[kOffCipher] != kCipherAes256Gcm)
    damaged(name, fmt::format("unknown cipher {}", h[kOffCipher]));
  const uint8_t kdf = h[kOffKdf];
  const ScryptParams s{get_u32(h + kOffScrypt), get_u32(h + kOffScrypt + 4),
                       get_u32(h + kOffScrypt + 8)};
  if (kdf == kKdfScrypt) {
    try {
      validate_scrypt_params(s);  // before deriving: a crafted header must not cost unbounded
    } catch (const Error& e) {
      damaged(name, e.what());
    }
  } else if (kdf != kKdfHkdf || s.log2_n != 0 || s.r != 0 || s.p != 0) {
    damaged(name, fmt::format("unknown key derivation {}", kdf));
  }
  const size_t chunk = get_u32(h + kOffChunk);
  if (chunk < kMinChunk || chunk > kMaxChunk)
    damaged(name, fmt::format("chunk size {} is out of range", chunk));
  const bool want_pass = kdf == kKdfScrypt;
  if (want_pass != (key.kind() == FileKey::Kind::kPassphrase))
    fail(Status::kInvalidArgument,
         fmt::format("encrypted file {} was sealed with a {}, not a {}", name,
                     want_pass ? "passphrase" : "key file", want_pass ? "key" : "passphrase"));

  const SecretBytes derived = derive(key, kdf, s, h + kOffSalt);
  if (CRYPTO_memcmp(derived.data() + FileKey::kKeyBytes, h + kOffCheck, kCheckBytes) != 0)
    fail(Status::kInvalidArgument,
         fmt::format("wrong key or passphrase for encrypted file {} (or its header is damaged)",
                     name));
  Gcm gcm(derived.data(), false, h);

  // One lookahead byte beyond a full chunk tells whether that chunk is the last one.
  const size_t sealed_chunk = chunk + kSealedTagBytes;
  std::vector<uint8_t> buf(sealed_chunk + 1);
  size_t have = 0;
  for (uint64_t index = 0;; ++index) {
    have += read_full(buf.data() + have, buf.size() - have);
    const bool final = have < buf.size();
    const size_t n = final ? have : sealed_chunk;
    if (n < kSealedTagBytes) damaged(name, fmt::format("truncated in chunk {}", index));
    if (!gcm.open(buf.data(), n - kSealedTagBytes, index, final))
      damaged(name, fmt::format("chunk {} failed authentication: the file is damaged, "
                                "truncated or was modified",
                                index));
    out(buf.data(), n - kSealedTagBytes);
    OPENSSL_cleanse(buf.data(), n - kSealedTagBytes);
    if (final) return;
    buf[0] = buf[sealed_chunk];
    have = 1;
  }
}

WriteFn file_writer(std::FILE* f, const std::string& name) {
  return [f, name](const void* p, size_t n) {
    if (std::fwrite(p, 1, n, f) != n) fail(Status::kIoError, "cannot write " + name);
  };
}

ReadFn file_reader(std::FILE* f, const std::string& name) {
  return [f, name](void* p, size_t n) {
    const size_t r = std::fread(p, 1, n, f);
    if (r < n && std::ferror(f)) fail(Status::kIoError, "cannot read " + name);
    return r;
  };
}

}  // namespace hearth::crypto
