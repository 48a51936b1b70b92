// The chat page's files, compiled into the binary: assets_data.cpp is generated at build time by
// embed_assets.cmake from the files in assets/ (never edited by hand).
#pragma once

#include <cstddef>
#include <string>

namespace hearth::server::webui {

struct Asset {
  const char* name;          // file name in assets/, e.g. "app.js"
  const char* content_type;  // with charset for text
  const unsigned char* data;
  size_t size;
  const char* etag;  // quoted, from the file's SHA-256: lets browsers revalidate with a 304
};

extern const Asset kAssets[];
extern const size_t kAssetCount;
extern const size_t kPageBytes;  // every asset together, uncompressed

// The asset called `name`, or null.
const Asset* find_asset(const std::string& name);

}  // namespace hearth::server::webui
