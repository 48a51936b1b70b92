// The audit log: one JSON object per line, appended with O_APPEND. Each line carries
//   "prev": the previous line's "hash" (64 zeros for the first line of a chain)
//   "hash": SHA-256 of the line's JSON without its "hash" member (nlohmann's dump, sorted keys)
// so an edited line fails its own hash and a deleted one breaks the next line's "prev".
#pragma once

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

class AuditLog {
 public:
  // Opens (creates, mode 0600) and continues the chain from the file's last line.
  explicit AuditLog(std::string path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Adds "prev" and "hash" and appends the line (one write(2)). Never throws.
  void append(nlohmann::json record);
  // Log rotation (SIGHUP): a new file at the same path continues the chain of the old one.
  void reopen();

 private:
  void open_locked();
  std::string path_;
  std::mutex mu_;
  int fd_ = -1;
  std::string prev_;
};

struct AuditVerifyResult {
  bool ok = true;
  size_t lines = 0;
  size_t bad_line = 0;  // 1-based; 0 when ok
  std::string reason;
};
AuditVerifyResult verify_audit_log(const std::string& path);

// The hash a line's record must carry (the record without "hash").
std::string audit_record_hash(nlohmann::json record);

}  // namespace hearth::server
