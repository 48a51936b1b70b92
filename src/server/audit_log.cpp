#include "server/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "server/crypto.hpp"

namespace hearth::server {

namespace {
const std::string kZeroHash(64, '0');

// The "hash" of the file's last complete line, or the zero hash.
std::string last_hash(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  if (last.empty()) return kZeroHash;
  try {
    return nlohmann::json::parse(last).at("hash").get<std::string>();
  } catch (const std::exception&) {
    return sha256_hex(last);  // a damaged tail: still chain to it, verify will name it
  }
}
}  // namespace

std::string audit_record_hash(nlohmann::json record) {
  record.erase("hash");
  return sha256_hex(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {
  std::lock_guard<std::mutex> lock(mu_);
  open_locked();
  if (fd_ < 0) throw std::runtime_error("cannot open audit log '" + path_ + "'");
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) close(fd_);
}

void AuditLog::open_locked() {
  if (fd_ >= 0) close(fd_);
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const std::string tail = last_hash(path_);
  // A fresh file after rotation keeps the chain going from the old file's last line.
  if (tail != kZeroHash || prev_.empty()) prev_ = tail;
}

void AuditLog::reopen() {
  std::lock_guard<std::mutex> lock(mu_);
  open_locked();
}

void AuditLog::append(nlohmann::json record) {
  try {
    std::lock_guard<std::mutex> lock(mu_);
    record["prev"] = prev_;
    const std::string hash = audit_record_hash(record);
    record["hash"] = hash;
    const std::string line =
        record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (fd_ >= 0 && write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size()))
      prev_ = hash;
  } catch (const std::exception&) {
  }
}

AuditVerifyResult verify_audit_log(const std::string& path) {
  AuditVerifyResult r;
  std::ifstream in(path);
  if (!in) {
    r.ok = false;
    r.reason = "cannot read '" + path + "'";
    return r;
  }
  std::string line, prev;
  while (std::getline(in, line)) {
    ++r.lines;
    auto bad = [&](const std::string& why) {
      r.ok = false;
      r.bad_line = r.lines;
      r.reason = why;
    };
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      bad("not a JSON object");
      return r;
    }
    if (!j.is_object() || !j.contains("hash") || !j["hash"].is_string() || !j.contains("prev") ||
        !j["prev"].is_string()) {
      bad("no hash/prev");
      return r;
    }
    // The first line may continue a rotated-away file: its "prev" cannot be checked here.
    if (r.lines > 1 && j["prev"].get<std::string>() != prev) {
      bad("\"prev\" does not match the previous line (a line was removed, added or edited)");
      return r;
    }
    if (audit_record_hash(j) != j["hash"].get<std::string>()) {
      bad("the line's hash does not match its content (the line was edited)");
      return r;
    }
    prev = j["hash"].get<std::string>();
  }
  return r;
}

}  // namespace hearth::server
