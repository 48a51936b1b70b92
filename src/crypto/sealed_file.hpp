// Encrypted, authenticated files ("sealed" files): AES-256-GCM in independently authenticated
// chunks, so files of any size are encrypted and decrypted as a stream with one chunk in memory.
//
// Format, version 1 (little-endian); the 72-byte header is the additional authenticated data
// of every chunk, so changing any header byte makes every chunk fail to authenticate:
//   u8  magic[8]       "HEARTHEF"
//   u16 version        1
//   u8  kdf            1: raw 256-bit key + HKDF-SHA256, 2: passphrase + scrypt
//   u8  cipher         1: AES-256-GCM
//   u32 chunk_size     plaintext bytes per chunk (4 KiB .. 16 MiB)
//   u32 scrypt_log2_n, u32 scrypt_r, u32 scrypt_p     (0 for kdf 1)
//   u8  salt[16]       random per file: each file gets its own key, even under one master key
//   u8  nonce[12]      random per file: the base nonce of the chunks
//   u8  key_check[16]  derived with the file key: tells "wrong key" from "damaged data"
// then chunks: ciphertext (chunk_size bytes; the last one 0..chunk_size) + 16-byte GCM tag.
//
// Chunk i's nonce is the base nonce XOR (be64(i) in bytes 4..11) XOR (0x01 in byte 3 for the
// final chunk) — the STREAM construction (Hoang et al., 2015): chunks cannot be reordered,
// dropped, duplicated or spliced in from another file, and a file cut at a chunk boundary is
// detected because its new last chunk was not sealed as final.
// Keys: kdf 1 derives 48 bytes HKDF-SHA256(ikm = key, salt, info "hearth sealed file v1"),
// kdf 2 derives 48 bytes scrypt(passphrase, salt, N, r, p); bytes 0..31 are the AES key and
// 32..47 the key check.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "crypto/file_key.hpp"

namespace hearth::crypto {

constexpr char kSealedMagic[8] = {'H', 'E', 'A', 'R', 'T', 'H', 'E', 'F'};
constexpr size_t kSealedHeaderBytes = 72;
constexpr size_t kSealedTagBytes = 16;
constexpr size_t kDefaultChunkBytes = size_t{1} << 20;

// True when `head` (the first n bytes of a file) starts with the sealed-file magic.
bool is_sealed(const void* head, size_t n);

// Where sealed bytes go / come from. A ReadFn returns the bytes it read (0: end of input) and
// throws on I/O errors.
using WriteFn = std::function<void(const void* bytes, size_t n)>;
using ReadFn = std::function<size_t(void* bytes, size_t n)>;
using PlaintextFn = std::function<void(const uint8_t* bytes, size_t n)>;

// Encrypts a stream: write() the plaintext in pieces of any size, then finish() (exactly once;
// without it the output is not a valid file). Memory: one chunk.
class SealedWriter {
 public:
  SealedWriter(const FileKey& key, WriteFn out, size_t chunk_bytes = kDefaultChunkBytes);
  ~SealedWriter();
  SealedWriter(const SealedWriter&) = delete;
  SealedWriter& operator=(const SealedWriter&) = delete;
  void write(const void* bytes, size_t n);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decrypts a sealed stream, passing each chunk's plaintext to `out` only after that chunk has
// been authenticated. Truncation is only known at the end: a caller must not act on what it
// received until open_sealed returns. Throws kInvalidModel for a file that is not sealed,
// damaged, truncated, or sealed with another key (message naming which and where), and
// kInvalidArgument when the file is sealed with a passphrase and `key` is a raw key or the
// reverse. `name` is used in messages. Memory: one chunk.
void open_sealed(const FileKey& key, const ReadFn& in, const PlaintextFn& out,
                 const std::string& name);

// Adapters over stdio.
WriteFn file_writer(std::FILE* f, const std::string& name);
ReadFn file_reader(std::FILE* f, const std::string& name);

}  // namespace hearth::crypto
