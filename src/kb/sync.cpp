// KnowledgeBase::sync: make the index of a folder equal to what a fresh `add` of it would
// build — new and changed files (re)indexed, documents under the folder that the walk no
// longer finds removed, unchanged files untouched (not even read when size and mtime match).
#include <chrono>
#include <filesystem>
#include <set>

#include "hearth/error.hpp"
#include "kb/file_walk.hpp"
#include "kb/knowledge_base.hpp"

namespace hearth::kb {

IndexReport KnowledgeBase::sync(const std::string& dir, const IndexOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    hearth::fail(Status::kInvalidArgument, "sync needs a folder; " + dir + " is not one");
  const WalkResult walk = walk_folder(dir);
  IndexReport report = add(walk.files, options);
  if (!walk.errors.empty()) {
    // A folder that could not be listed completely must not make its documents look deleted.
    for (const std::string& e : walk.errors)
      report.issues.push_back({dir, "cannot read folder " + e, true});
    report.issues.push_back({dir, "not removing documents: the folder was not fully read", true});
    report.files_failed += static_cast<int>(walk.errors.size());
    return report;
  }
  const std::set<std::string> present(walk.files.begin(), walk.files.end());
  std::string prefix = normalize_path(dir);
  if (prefix.back() != '/') prefix += '/';
  for (const DocumentRecord& d : store_->list()) {
    if (d.path.compare(0, prefix.size(), prefix) != 0 || present.count(d.path)) continue;
    if (store_->remove(d.path)) {
      ++report.files_removed;
      documents_changed();
      if (options.on_file) options.on_file(d.path, "removed");
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace hearth::kb
