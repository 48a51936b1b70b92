// hearth::GgufStringArray: string array elements back to back in one buffer (see gguf.hpp).
#include "hearth/gguf.hpp"

namespace hearth {

GgufStringArray::GgufStringArray(const std::vector<std::string>& values) {
  size_t total = 0;
  for (const auto& v : values) total += v.size();
  reserve(values.size(), total);
  for (const auto& v : values) push_back(v);
}

void GgufStringArray::reserve(size_t n, size_t total_bytes) {
  ends_.reserve(n);
  bytes_.reserve(total_bytes);
}

void GgufStringArray::push_back(std::string_view s) {
  bytes_.append(s);
  ends_.push_back(bytes_.size());
}

}  // namespace hearth
