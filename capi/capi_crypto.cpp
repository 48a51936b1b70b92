// hearth_key_* and hearth_session_{save,load}_encrypted: encryption at rest behind the C ABI
// (src/crypto/, docs/security.md). A hearth_key owns a copy of the key material in wiped
// memory; no message ever includes it.
#include "capi_internal.hpp"
#include "crypto/file_key.hpp"
#include "session/session.hpp"

struct hearth_key {
  hearth::crypto::FileKey key;
};

namespace hearth::capi {
hearth::Session* session_impl(const hearth_session* s);  // capi_session.cpp
}

using namespace hearth::capi;

namespace {

hearth_status make_key(hearth::crypto::FileKey key, hearth_key** out) {
  *out = new hearth_key{std::move(key)};
  return HEARTH_OK;
}

hearth::Session& session_of(const hearth_session* s) {
  require(s, "session");
  return *session_impl(s);
}

}  // namespace

extern "C" {

HEARTH_API hearth_status hearth_key_from_bytes(const uint8_t* key, size_t key_len,
                                               hearth_key** out) {
  return guarded([&] {
    require(key, "key");
    require(out, "out");
    return make_key(hearth::crypto::FileKey::from_bytes(key, key_len), out);
  });
}

HEARTH_API hearth_status hearth_key_from_file(const char* path, hearth_key** out) {
  return guarded([&] {
    require(path, "path");
    require(out, "out");
    return make_key(hearth::crypto::FileKey::from_key_file(path), out);
  });
}

HEARTH_API hearth_status hearth_key_from_passphrase(const char* passphrase, size_t len,
                                                    hearth_key** out) {
  return guarded([&] {
    require(passphrase, "passphrase");
    require(out, "out");
    return make_key(hearth::crypto::FileKey::from_passphrase(passphrase, len), out);
  });
}

HEARTH_API void hearth_key_free(hearth_key* key) {
  delete key;
}

HEARTH_API hearth_status hearth_key_generate_file(const char* path) {
  return guarded([&] {
    require(path, "path");
    hearth::crypto::write_new_key_file(path);
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_session_save_encrypted(const hearth_session* session,
                                                       const char* path, const hearth_key* key) {
  return guarded([&] {
    const hearth::Session& s = session_of(session);
    require(path, "path");
    require(key, "key");
    s.save(path, &key->key);
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_session_load_encrypted(hearth_session* session, const char* path,
                                                       const hearth_key* key) {
  return guarded([&] {
    hearth::Session& s = session_of(session);
    require(path, "path");
    require(key, "key");
    s.load(path, &key->key);
    return HEARTH_OK;
  });
}

}  // extern "C"
