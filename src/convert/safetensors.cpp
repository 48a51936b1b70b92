#include "convert/safetensors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "hearth/error.hpp"
#include "hearth/quant.hpp"

namespace hearth::convert {

namespace {

// The safetensors reference implementation refuses headers above 100 MB as well.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(Status::kInvalidModel, fmt::format("invalid safetensors file '{}': {}", path, what));
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

StTensor parse_entry(const std::string& path, const std::string& name, const nlohmann::json& e,
                     const uint8_t* data, uint64_t data_size) {
  if (!e.is_object()) bad(path, fmt::format("entry '{}' is not an object", name));
  const auto dt = e.find("dtype");
  const auto sh = e.find("shape");
  const auto off = e.find("data_offsets");
  if (dt == e.end() || !dt->is_string()) bad(path, fmt::format("'{}' has no dtype string", name));
  if (sh == e.end() || !sh->is_array()) bad(path, fmt::format("'{}' has no shape array", name));
  if (off == e.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
      !(*off)[1].is_number_unsigned())
    bad(path, fmt::format("'{}' needs data_offsets [begin, end] of unsigned integers", name));
  StTensor t;
  t.name = name;
  t.dtype = dt->get<std::string>();
  const size_t elem = safetensors_dtype_size(t.dtype);
  if (elem == 0) bad(path, fmt::format("'{}' has unknown dtype '{}'", name, t.dtype));
  t.n_elements = 1;
  for (const auto& d : *sh) {
    if (!d.is_number_unsigned()) bad(path, fmt::format("'{}' has a non-integer dimension", name));
    const uint64_t v = d.get<uint64_t>();
    if (v != 0 && t.n_elements > std::numeric_limits<uint64_t>::max() / v)
      bad(path, fmt::format("'{}' has an overflowing shape", name));
    t.shape.push_back(v);
    t.n_elements *= v;
  }
  const uint64_t begin = (*off)[0].get<uint64_t>();
  const uint64_t end = (*off)[1].get<uint64_t>();
  if (begin > end || end > data_size)
    bad(path, fmt::format("'{}' has data_offsets [{}, {}) outside the {} data bytes", name, begin,
                          end, data_size));
  if (t.n_elements > std::numeric_limits<uint64_t>::max() / elem ||
      t.n_elements * elem != end - begin)
    bad(path, fmt::format("'{}': {} elements of {} need {} bytes but data_offsets span {}", name,
                          t.n_elements, t.dtype, t.n_elements * elem, end - begin));
  t.data = data + begin;
  t.n_bytes = static_cast<size_t>(end - begin);
  return t;
}

}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2")
    return 1;
  return 0;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->map_ = std::make_unique<MappedFile>(path);
  const uint8_t* base = file->map_->data();
  const uint64_t size = file->map_->size();
  if (size < 8) bad(path, fmt::format("{} bytes is too short for the header length", size));
  const uint64_t header_len = read_u64_le(base);
  if (header_len > kMaxHeaderBytes || header_len > size - 8)
    bad(path, fmt::format("header length {} exceeds the file ({} bytes) or the 100 MB limit",
                          header_len, size));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(base + 8, base + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    bad(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) bad(path, "header is not a JSON object");
  const uint8_t* data = base + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  std::vector<const StTensor*> by_offset;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    file->tensors_.emplace(name, parse_entry(path, name, entry, data, data_size));
  }
  for (const auto& [name, t] : file->tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const StTensor* a, const StTensor* b) { return a->data < b->data; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const StTensor* prev = by_offset[i - 1];
    if (by_offset[i]->data < prev->data + prev->n_bytes)
      bad(path, fmt::format("tensors '{}' and '{}' overlap", prev->name, by_offset[i]->name));
  }
  return file;
}

const StTensor* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void tensor_to_f32(const StTensor& t, float* out) {
  const size_t n = static_cast<size_t>(t.n_elements);
  if (t.dtype == "F32") {
    std::memcpy(out, t.data, n * 4);
  } else if (t.dtype == "F16" || t.dtype == "BF16") {
    const bool bf = t.dtype == "BF16";
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, t.data + 2 * i, 2);  // unaligned-safe
      out[i] = bf ? bf16_to_fp32(h) : fp16_to_fp32(h);
    }
  } else {
    fail(Status::kUnsupported, fmt::format("tensor '{}' has dtype {}; only F32, F16 and BF16 "
                                           "checkpoints can be converted",
                                           t.name, t.dtype));
  }
}

}  // namespace hearth::convert
