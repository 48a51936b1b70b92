// Safetensors files: u64 header length | JSON header | raw tensor bytes.
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end)} (offsets
// relative to the end of the header). open() validates everything before any use: header
// length within the file and at most 100 MB, well-formed JSON, known dtypes, offsets within the
// data, dtype size x elements == byte span, and no two tensors overlapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "convert/mapped_file.hpp"

namespace hearth::convert {

struct StTensor {
  std::string name;
  std::string dtype;            // "F32", "F16", "BF16", ... as in the header
  std::vector<uint64_t> shape;  // row-major, outermost first (PyTorch order)
  uint64_t n_elements = 0;
  const uint8_t* data = nullptr;  // into the mapping
  size_t n_bytes = 0;
};

class SafetensorsFile {
 public:
  // Throws Error(kIoError) when the file cannot be read, kInvalidModel when it is malformed.
  static std::unique_ptr<SafetensorsFile> open(const std::string& path);

  const std::string& path() const { return map_->path(); }
  const std::map<std::string, StTensor>& tensors() const { return tensors_; }
  const StTensor* find(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::unique_ptr<MappedFile> map_;
  std::map<std::string, StTensor> tensors_;
};

// Bytes per element of a safetensors dtype name, 0 when unknown.
size_t safetensors_dtype_size(const std::string& dtype);

// Widens a F32, F16 or BF16 tensor into `out` (n_elements floats); throws kUnsupported for
// other dtypes.
void tensor_to_f32(const StTensor& t, float* out);

}  // namespace hearth::convert
