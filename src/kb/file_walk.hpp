// The files a knowledge base indexes under a folder: regular files of a known kind
// (extract.hpp), recursively, skipping hidden entries (".git", ".cache") and not following
// symbolic links to folders (no cycles). Sorted, so runs are reproducible.
#pragma once

#include <string>
#include <vector>

namespace hearth::kb {

struct WalkResult {
  std::vector<std::string> files;   // absolute, lexically normal
  std::vector<std::string> errors;  // "PATH: why" for folders that could not be read
};

WalkResult walk_folder(const std::string& dir);

}  // namespace hearth::kb
