// GGUF files (versions 2 and 3): a validating, memory-mapped reader and a writer.
//
// Layout (all little-endian):
//   u32 magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count x { string key | u32 value_type | value }
//   tensor_count x { string name | u32 n_dims | u64 dims[n_dims] | u32 type | u64 offset }
//   padding to general.alignment (default 32) | tensor data (offsets relative to here)
// A string is u64 length + bytes; an array is u32 element type + u64 count + elements.
//
// Every count, length, offset and size is checked against the bytes that remain before it is
// used, so truncated or hostile files raise hearth::Error(kInvalidModel) naming the offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/dtype.hpp"

namespace hearth {

enum class GgufType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

std::string_view gguf_type_name(GgufType type);

// An array of strings stored compactly: every element's bytes back to back in one buffer plus
// the end offset of each element. A 152k-token vocabulary and its merges take ~5 MB this way
// instead of ~18 MB as std::vector<std::string> (a 32-byte object, often a heap block, each).
// Elements are std::string_view into the array, valid while it lives unchanged.
class GgufStringArray {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    const_iterator(const GgufStringArray* array, size_t index) : array_(array), index_(index) {}
    std::string_view operator*() const { return (*array_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++index_;
      return old;
    }
    bool operator==(const const_iterator& o) const { return index_ == o.index_; }
    bool operator!=(const const_iterator& o) const { return index_ != o.index_; }

   private:
    const GgufStringArray* array_;
    size_t index_;
  };
  using iterator = const_iterator;
  using value_type = std::string_view;
  using size_type = size_t;

  GgufStringArray() = default;
  explicit GgufStringArray(const std::vector<std::string>& values);

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  size_t total_bytes() const { return bytes_.size(); }
  std::string_view operator[](size_t i) const {
    const size_t start = i == 0 ? 0 : static_cast<size_t>(ends_[i - 1]);
    return std::string_view(bytes_.data() + start, static_cast<size_t>(ends_[i]) - start);
  }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

  // Reserving both the element count and the total bytes makes filling one allocation each.
  void reserve(size_t n, size_t total_bytes);
  void push_back(std::string_view s);

  friend bool operator==(const GgufStringArray& a, const GgufStringArray& b) {
    return a.ends_ == b.ends_ && a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const GgufStringArray& a, const GgufStringArray& b) { return !(a == b); }

 private:
  std::string bytes_;
  std::vector<uint64_t> ends_;
};

// One metadata value. Scalars keep their declared type; integers are widened into `i`/`u`.
// Arrays keep their element type; string arrays are in `strings`, numbers in `ints`/`floats`
// (integer and bool elements in `ints`, float elements in `floats`), nested arrays in `arrays`.
struct GgufValue {
  GgufType type = GgufType::U8;
  uint64_t u = 0;                     // unsigned integers and bool
  int64_t i = 0;                      // signed integers (also set for unsigned values that fit)
  double f = 0.0;                     // F32 / F64
  std::string str;                    // STRING
  GgufType elem_type = GgufType::U8;  // for ARRAY
  GgufStringArray strings;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<GgufValue> arrays;

  size_t array_size() const;
  bool is_integer() const;
  std::string to_display_string(size_t max_elems = 8) const;  // for `hearth info`
};

struct GgufTensorInfo {
  std::string name;
  DType type = DType::F32;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the contiguous (row) dimension
  uint64_t offset = 0;         // relative to the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the mapping
};

class GgufFile {
 public:
  // Maps and validates a file. Throws hearth::Error (kIoError, kInvalidModel, kUnsupported).
  static std::shared_ptr<const GgufFile> open(const std::string& path);
  // Parses a buffer the caller keeps alive (fuzzing, tests). Same validation as open().
  static std::shared_ptr<const GgufFile> parse(const uint8_t* data, size_t size);

  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  size_t file_size() const { return size_; }
  const std::string& path() const { return path_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* find(std::string_view key) const;
  // Typed lookups: nullopt when missing; throw kInvalidModel when present with the wrong type.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;  // accepts integers too
  std::optional<bool> get_bool(std::string_view key) const;
  const GgufStringArray* get_string_array(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Tells the OS that the mapped bytes [p, p + n) are not needed for now (madvise DONTNEED on
  // the whole pages inside): they leave the process's resident memory and are read again from
  // the page cache if touched later. The model loader calls it for weights it has repacked. No
  // effect on a parse()d buffer or outside the mapping; the content seen stays the same.
  void release_pages(const uint8_t* p, size_t n) const;

 private:
  GgufFile() = default;
  void parse_all();

  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;  // non-null when we own an mmap
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// Builds a GGUF v3 file. Tensor data is copied into the writer or referenced (caller keeps alive).
class GgufWriter {
 public:
  explicit GgufWriter(uint64_t alignment = 32) : alignment_(alignment) {}

  void set(const std::string& key, GgufValue value);  // replaces an existing key in place
  void set_string(const std::string& key, std::string value);
  void set_u32(const std::string& key, uint32_t value);
  void set_i32(const std::string& key, int32_t value);
  void set_f32(const std::string& key, float value);
  void set_bool(const std::string& key, bool value);
  void set_string_array(const std::string& key, std::vector<std::string> values);
  void set_i32_array(const std::string& key, const std::vector<int32_t>& values);
  void set_f32_array(const std::string& key, const std::vector<float>& values);
  // Copies every metadata entry of `file` (e.g. to re-write a model).
  void copy_metadata(const GgufFile& file);

  // `data` must hold row_bytes(type, dims[0]) * (product of other dims) bytes.
  void add_tensor(const std::string& name, DType type, std::vector<uint64_t> dims,
                  std::vector<uint8_t> data);
  void add_tensor_ref(const std::string& name, DType type, std::vector<uint64_t> dims,
                      const uint8_t* data, size_t n_bytes);

  // Called after each tensor with bytes written so far and in total; return false to cancel.
  using WriteProgress = std::function<bool(uint64_t done, uint64_t total)>;
  // Writes to `path` through a temporary file renamed at the end: no partial file on failure
  // (including cancellation, which throws Error(kCancelled)). Streams tensor data.
  void write(const std::string& path, const WriteProgress& progress = {}) const;
  std::vector<uint8_t> to_bytes() const;

 private:
  struct Tensor {
    std::string name;
    DType type;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> owned;
    const uint8_t* data;
    size_t n_bytes;
  };
  std::vector<uint8_t> header_bytes() const;
  uint64_t padded(uint64_t n) const { return (n + alignment_ - 1) / alignment_ * alignment_; }

  uint64_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Tensor> tensors_;
};

// Value constructors for the writer.
GgufValue gguf_string(std::string s);
GgufValue gguf_u32(uint32_t v);
GgufValue gguf_i32(int32_t v);
GgufValue gguf_f32(float v);
GgufValue gguf_bool(bool v);

}  // namespace hearth
