#include "server/keys.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "server/crypto.hpp"

namespace hearth::server {

const char* role_name(Role r) {
  switch (r) {
    case Role::kReader:
      return "reader";
    case Role::kUser:
      return "user";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Role> parse_role(const std::string& s) {
  if (s == "reader") return Role::kReader;
  if (s == "user") return Role::kUser;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

namespace {
std::string hash_key(const std::string& salt_hex, const std::string& key) {
  std::string salt;
  if (!hex_decode(salt_hex, &salt)) throw std::runtime_error("bad salt");
  return sha256_hex(salt + key);
}
}  // namespace

std::vector<KeyEntry> load_key_file(const std::string& path) {
  std::vector<KeyEntry> keys;
  std::ifstream in(path);
  if (!in) {
    if (access(path.c_str(), F_OK) != 0) return keys;
    throw std::runtime_error("cannot read key file '" + path + "'");
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      KeyEntry k;
      k.id = j.at("id").get<std::string>();
      const auto role = parse_role(j.at("role").get<std::string>());
      if (!role) throw std::runtime_error("unknown role");
      k.role = *role;
      k.salt_hex = j.at("salt").get<std::string>();
      k.hash_hex = j.at("sha256").get<std::string>();
      // Integers only: j.value("rpm", -1) would convert a hand-edited 1e300 with undefined
      // behaviour.
      auto limit = [&j](const char* key, int64_t absent) {
        if (!j.contains(key)) return absent;
        const auto& v = j[key];
        if (!v.is_number_integer() || v.get<int64_t>() < -1 || v.get<int64_t>() > INT32_MAX)
          throw std::runtime_error(std::string(key) + " must be an integer from -1 to 2^31-1");
        return v.get<int64_t>();
      };
      k.rpm = static_cast<int>(limit("rpm", -1));
      k.tpm = limit("tpm", 0);
      k.max_parallel = static_cast<int>(limit("max_parallel", 0));
      k.revoked = j.value("revoked", false);
      std::string tmp;
      if (!hex_decode(k.salt_hex, &tmp) || k.hash_hex.size() != 64)
        throw std::runtime_error("bad salt or hash");
      keys.push_back(std::move(k));
    } catch (const std::exception& e) {
      throw std::runtime_error("key file '" + path + "' line " + std::to_string(n) + ": " +
                               e.what());
    }
  }
  return keys;
}

void save_key_file(const std::string& path, const std::vector<KeyEntry>& keys) {
  std::string text;
  for (const auto& k : keys) {
    nlohmann::json j = {{"id", k.id},          {"role", role_name(k.role)},
                        {"salt", k.salt_hex},  {"sha256", k.hash_hex},
                        {"tpm", k.tpm},        {"max_parallel", k.max_parallel},
                        {"revoked", k.revoked}};
    if (k.rpm >= 0) j["rpm"] = k.rpm;  // absent: the server's --default-rpm applies
    text += j.dump() + "\n";
  }
  // Written beside the target and renamed over it: a reader (a server on SIGHUP) never sees
  // half a file. 0600: the hashes are not secrets, but nobody else needs them.
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write '" + tmp + "'");
  const bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot write '" + path + "'");
}

std::string new_api_key() {
  return "hk-" + random_hex(24);
}

KeyEntry make_key_entry(const std::string& id, Role role, const std::string& key) {
  KeyEntry k;
  k.id = id;
  k.role = role;
  k.salt_hex = random_hex(16);
  k.hash_hex = hash_key(k.salt_hex, key);
  return k;
}

KeyStore::KeyStore(std::string path) : path_(std::move(path)) {
  reload();
}

void KeyStore::reload() {
  auto keys = std::make_shared<const std::vector<KeyEntry>>(load_key_file(path_));
  std::lock_guard<std::mutex> lock(mu_);
  keys_ = std::move(keys);
}

size_t KeyStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_->size();
}

std::optional<KeyEntry> KeyStore::authenticate(const std::string& key) const {
  std::shared_ptr<const std::vector<KeyEntry>> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = keys_;
  }
  if (key.empty() || key.size() > 256) return std::nullopt;
  // Every entry is hashed and compared, whichever matches: the time taken does not say which
  // entry (or how much of a hash) a guess matched.
  std::optional<KeyEntry> found;
  for (const auto& k : *keys) {
    if (constant_time_equal(hash_key(k.salt_hex, key), k.hash_hex) && !found) found = k;
  }
  if (found && found->revoked) return std::nullopt;
  return found;
}

}  // namespace hearth::server
