// Session::save / Session::load: the session file format, version 2 (little-endian).
//
//   "HEARTHSS"                 8-byte magic
//   u32 version                 2 (1 is still read)
//   fingerprint                 str architecture, u32 n_layer, u32 n_embd, u32 n_vocab,
//                               u64 n_tensors, u64 hash (session/model_fingerprint.hpp)
//   u32 n_messages, then per message: str role, str content, str tool_calls_json,
//                               str tool_call_id, str name (tmpl::ChatMessage; "" = none)
//   u32 n_tokens, i32 tokens[n_tokens]       the tokens whose KV rows follow
//   u64 kv_row_halves, u64 n_halves, u16 kv[n_halves]   Context::export_kv(n_tokens)
//   u64 checksum                FNV-1a 64 of every byte before it
// where str is u64 length + bytes. The prompt cache is not saved (it is a cache).
// Version 1 (before tool calling was saved) held only role and content per message: it still
// loads, its tool fields empty. Version 2 keeps an assistant turn's tool calls and a tool
// result's call id and name, which the template renders: without them a reloaded conversation
// with tool calls rendered another prompt (and lost its KV reuse).
//
// Encrypted session files are these same bytes sealed by crypto/sealed_file.hpp (AES-256-GCM
// in authenticated chunks, magic "HEARTHEF"): encryption wraps the format instead of changing
// it, so one parser validates both, and the clear bytes exist only in memory.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "crypto/sealed_file.hpp"
#include "hearth/error.hpp"
#include "platform/files.hpp"
#include "session/model_fingerprint.hpp"
#include "session/session.hpp"
#include "template/json_value.hpp"

namespace hearth {
namespace {

constexpr char kMagic[8] = {'H', 'E', 'A', 'R', 'T', 'H', 'S', 'S'};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kOldestVersion = 1;  // role and content only

class Writer {
 public:
  template <typename T>
  void put(const T& v) {
    bytes(&v, sizeof v);
  }
  void str(const std::string& s) {
    put(static_cast<uint64_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const char*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  const std::string& data() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads with bounds checks; every shortfall is a truncated (kInvalidModel) file.
class Reader {
 public:
  Reader(const std::string& data, size_t end, const std::string& path)
      : data_(data), end_(end), path_(path) {}
  template <typename T>
  T get(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof v, what), sizeof v);
    return v;
  }
  std::string str(const char* what) {
    const uint64_t n = get<uint64_t>(what);
    return std::string(take(n, what), n);
  }
  const char* take(uint64_t n, const char* what) {
    if (n > end_ - pos_) corrupt(fmt::format("truncated while reading {}", what));
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }
  [[noreturn]] void corrupt(const std::string& why) const {
    fail(Status::kInvalidModel, fmt::format("session file {}: {}", path_, why));
  }

 private:
  const std::string& data_;
  size_t end_;
  size_t pos_ = 0;
  const std::string& path_;
};

void write_fingerprint(Writer& w, const ModelFingerprint& f) {
  w.str(f.architecture);
  w.put(f.n_layer);
  w.put(f.n_embd);
  w.put(f.n_vocab);
  w.put(f.n_tensors);
  w.put(f.hash);
}

ModelFingerprint read_fingerprint(Reader& r) {
  ModelFingerprint f;
  f.architecture = r.str("the model architecture");
  f.n_layer = r.get<uint32_t>("n_layer");
  f.n_embd = r.get<uint32_t>("n_embd");
  f.n_vocab = r.get<uint32_t>("n_vocab");
  f.n_tensors = r.get<uint64_t>("the tensor count");
  f.hash = r.get<uint64_t>("the model hash");
  return f;
}

std::string read_whole_file(const std::string& path) {
  std::string data;
  if (!platform::read_file(path, &data))
    fail(Status::kIoError,
         fmt::format("cannot open session file {}: {}", path, std::strerror(errno)));
  return data;
}

// Decrypts a sealed session file into its clear bytes, one chunk at a time (no copy of the
// ciphertext is held). Nothing is used before open_sealed has authenticated every chunk.
std::string read_sealed_file(const std::string& path, const crypto::FileKey& key) {
  std::FILE* f = platform::open_file(path, "rb");
  if (!f) fail(Status::kIoError, fmt::format("cannot open session file {}", path));
  std::string data;
  try {
    if (std::fseek(f, 0, SEEK_END) == 0) {
      const long size = std::ftell(f);
      if (size > 0) data.reserve(static_cast<size_t>(size));
      std::rewind(f);
    }
    crypto::open_sealed(
        key, crypto::file_reader(f, "session file " + path),
        [&](const uint8_t* p, size_t n) { data.append(reinterpret_cast<const char*>(p), n); },
        path);
  } catch (...) {
    std::fclose(f);
    throw;
  }
  std::fclose(f);
  return data;
}

bool starts_sealed(const std::string& path) {
  char head[sizeof crypto::kSealedMagic] = {};
  std::FILE* f = platform::open_file(path, "rb");
  if (!f) return false;  // read_whole_file then reports why
  const size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return crypto::is_sealed(head, n);
}

// Writes to a temporary file next to `path`, then renames it over `path`: readers never see
// a half-written session. With a key the bytes are sealed on their way to the file.
void write_atomically(const std::string& path, const std::string& data,
                      const crypto::FileKey* key) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, platform::process_id());
  std::FILE* f = platform::open_file(tmp, "wb");
  if (!f) fail(Status::kIoError, fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
  bool ok = true;
  if (key) {
    try {
      crypto::SealedWriter w(*key, crypto::file_writer(f, tmp));
      w.write(data.data(), data.size());
      w.finish();
    } catch (...) {
      std::fclose(f);
      std::remove(tmp.c_str());
      throw;
    }
  } else {
    ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  }
  ok = ok && platform::flush_to_disk(f);
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    fail(Status::kIoError,
         fmt::format("cannot write {}: {}", tmp, std::strerror(ok ? errno : err)));
  }
  if (!platform::replace_file(tmp, path)) {  // Windows: rename() cannot replace a file
    const int e = errno;
    std::remove(tmp.c_str());
    fail(Status::kIoError, fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(e)));
  }
}

}  // namespace

void Session::save(const std::string& path, const crypto::FileKey* key) const {
  // encode() returns before sealing starts, so its KV export is freed first: peak memory is
  // the clear bytes plus one chunk, not three copies of the state.
  write_atomically(path, encode(), key);
}

void Session::load(const std::string& path, const crypto::FileKey* key) {
  if (!key && starts_sealed(path))
    fail(Status::kInvalidArgument,
         fmt::format("session file {} is encrypted: load it with its key", path));
  decode(key ? read_sealed_file(path, *key) : read_whole_file(path), path);
}

std::string Session::encode() const {
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.put(kVersion);
  write_fingerprint(w, fingerprint_of(*model_));
  w.put(static_cast<uint32_t>(messages_.size()));
  for (const auto& m : messages_) {
    w.str(m.role);
    w.str(m.content);
    w.str(m.tool_calls_json);
    w.str(m.tool_call_id);
    w.str(m.name);
  }
  w.put(static_cast<uint32_t>(cached_.size()));
  w.bytes(cached_.data(), cached_.size() * sizeof(int32_t));
  const std::vector<uint16_t> kv = ctx_.export_kv(static_cast<int>(cached_.size()));
  w.put(static_cast<uint64_t>(ctx_.kv_row_halves()));
  w.put(static_cast<uint64_t>(kv.size()));
  w.bytes(kv.data(), kv.size() * sizeof(uint16_t));
  const uint64_t checksum = fnv1a64(w.data().data(), w.data().size());
  w.put(checksum);
  return w.take();
}

void Session::decode(const std::string& data, const std::string& path) {
  constexpr size_t kTrailer = sizeof(uint64_t);
  Reader r(data, data.size(), path);
  if (data.size() < sizeof kMagic + sizeof kVersion + kTrailer ||
      std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
    r.corrupt("not a hearth session file (bad magic)");
  r.take(sizeof kMagic, "the magic");
  const uint32_t version = r.get<uint32_t>("the version");
  if (version < kOldestVersion || version > kVersion)
    r.corrupt(fmt::format("format version {} is not supported (this build reads {} to {})", version,
                          kOldestVersion, kVersion));
  uint64_t stored = 0;
  std::memcpy(&stored, data.data() + data.size() - kTrailer, kTrailer);
  if (fnv1a64(data.data(), data.size() - kTrailer) != stored)
    r.corrupt("checksum mismatch (the file is corrupt or truncated)");

  Reader body(data, data.size() - kTrailer, path);
  body.take(r.pos(), "the header");
  const ModelFingerprint saved = read_fingerprint(body);
  const ModelFingerprint ours = fingerprint_of(*model_);
  if (saved != ours)
    body.corrupt(fmt::format("saved with another model ({}); this model is {}", saved.describe(),
                             ours.describe()));
  const uint32_t n_messages = body.get<uint32_t>("the message count");
  const uint64_t strings_per_message = version >= 2 ? 5 : 2;  // each string has a length
  if (n_messages > body.remaining() / (strings_per_message * sizeof(uint64_t)))
    body.corrupt(fmt::format("{} messages cannot fit in the file", n_messages));
  std::vector<tmpl::ChatMessage> messages(n_messages);
  for (auto& m : messages) {
    m.role = body.str("a message role");
    m.content = body.str("a message");
    if (version >= 2) {
      m.tool_calls_json = body.str("a message's tool calls");
      m.tool_call_id = body.str("a tool result's call id");
      m.name = body.str("a tool result's name");
    }
    // Roles are checked, and tool calls must be the JSON the template reads (checked here so
    // that a corrupt file fails to load rather than to render); contents are not required to
    // be UTF-8: a model's reply may not be.
    try {
      validate_chat_message(m.role, "");
      if (!m.tool_calls_json.empty()) (void)tmpl::value_from_json(m.tool_calls_json, "tool_calls");
    } catch (const Error& e) {
      body.corrupt(e.what());
    }
  }
  const uint32_t n_tokens = body.get<uint32_t>("the token count");
  const char* token_bytes = body.take(uint64_t{n_tokens} * sizeof(int32_t), "the tokens");
  std::vector<int32_t> tokens(n_tokens);
  if (n_tokens > 0) std::memcpy(tokens.data(), token_bytes, tokens.size() * sizeof(int32_t));
  for (int32_t t : tokens)
    if (t < 0 || t >= ctx_.n_vocab()) body.corrupt(fmt::format("token {} is out of range", t));
  const uint64_t row_halves = body.get<uint64_t>("the KV row size");
  const uint64_t n_halves = body.get<uint64_t>("the KV size");
  if (row_halves != ctx_.kv_row_halves() || n_halves != ctx_.kv_state_halves(n_tokens))
    body.corrupt("the KV state does not match the token count and the model");
  const char* kv_bytes = body.take(n_halves * sizeof(uint16_t), "the KV state");
  std::vector<uint16_t> kv(n_halves);
  if (n_halves > 0) std::memcpy(kv.data(), kv_bytes, kv.size() * sizeof(uint16_t));
  if (body.pos() != data.size() - kTrailer) body.corrupt("unexpected bytes after the KV state");
  if (static_cast<int64_t>(n_tokens) > ctx_.n_ctx())
    fail(Status::kContextFull,
         fmt::format("session file {} holds {} tokens; n_ctx is {}", path, n_tokens, ctx_.n_ctx()));

  // Everything is valid: replace the session's state.
  stash_in_prompt_cache();
  ctx_.import_kv(kv, static_cast<int>(n_tokens));
  cached_ = std::move(tokens);
  messages_ = std::move(messages);
}

}  // namespace hearth
