#include "server/webui/assets.hpp"

namespace hearth::server::webui {

const Asset* find_asset(const std::string& name) {
  for (size_t i = 0; i < kAssetCount; ++i)
    if (name == kAssets[i].name) return &kAssets[i];
  return nullptr;
}

}  // namespace hearth::server::webui
