#include "kb/file_walk.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "kb/extract.hpp"

namespace hearth::kb {

namespace fs = std::filesystem;

namespace {

// Own recursion rather than recursive_directory_iterator: an unreadable sub-folder is
// reported and its siblings still walked.
void walk(const fs::path& dir, WalkResult& r, int depth) {
  if (depth > 64) {
    r.errors.push_back(dir.string() + ": folders nested too deeply");
    return;
  }
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    r.errors.push_back(dir.string() + ": " + ec.message());
    return;
  }
  std::vector<fs::path> subdirs;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path p = it->path();
    const std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code e2;
    const fs::file_status st = it->symlink_status(e2);
    if (fs::is_directory(st))
      subdirs.push_back(p);
    else if (it->is_regular_file(e2) && !kind_for_path(name).empty())
      r.files.push_back(fs::absolute(p).lexically_normal().string());
  }
  if (ec) r.errors.push_back(dir.string() + ": " + ec.message());
  for (const fs::path& s : subdirs) walk(s, r, depth + 1);
}

}  // namespace

WalkResult walk_folder(const std::string& dir) {
  WalkResult r;
  walk(fs::path(dir), r, 0);
  std::sort(r.files.begin(), r.files.end());
  return r;
}

}  // namespace hearth::kb
