// API keys and roles. The key file holds one JSON object per line:
//   {"id":"ci","role":"user","salt":HEX,"sha256":HEX,"rpm":100,"tpm":0,"max_parallel":0,
//    "revoked":false}
// "rpm" is absent for keys added without --rpm: the server's --default-rpm applies to them.
// sha256 = SHA-256(salt bytes || key). Keys are never stored or logged in clear; a presented key
// is hashed with every entry's salt and compared in constant time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hearth::server {

// Ordered: each role may do everything the ones below it may.
enum class Role : int { kReader = 0, kUser = 1, kAdmin = 2 };
const char* role_name(Role r);
std::optional<Role> parse_role(const std::string& s);

struct KeyEntry {
  std::string id;
  Role role = Role::kUser;
  std::string salt_hex, hash_hex;
  int rpm = -1;          // requests per minute; 0: unlimited; -1: the server's --default-rpm
  int64_t tpm = 0;       // prompt + generated tokens per minute; 0: unlimited
  int max_parallel = 0;  // requests at once; 0: unlimited
  bool revoked = false;
};

// Whole-file operations (the CLI's `hearth keys`). Throw std::runtime_error with the line number.
std::vector<KeyEntry> load_key_file(const std::string& path);  // a missing file is empty
void save_key_file(const std::string& path, const std::vector<KeyEntry>& keys);  // mode 0600
// A new random key and its entry (salted hash); the caller shows the key once.
std::string new_api_key();
KeyEntry make_key_entry(const std::string& id, Role role, const std::string& key);

// The server's view: reloadable (SIGHUP), safe to read from every worker thread.
class KeyStore {
 public:
  explicit KeyStore(std::string path);
  void reload();  // throws on a malformed file, keeping the previous keys
  // The entry the key belongs to, if any and not revoked.
  std::optional<KeyEntry> authenticate(const std::string& key) const;
  size_t size() const;

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<KeyEntry>> keys_;
};

}  // namespace hearth::server
