// GGUF v3 writer. Produces files llama.cpp loads: metadata in insertion order, tensor infos,
// padding to the alignment, then tensor data with each tensor padded to the alignment.
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "platform/files.hpp"

namespace hearth {
namespace {

class ByteSink {
 public:
  explicit ByteSink(std::vector<uint8_t>& out) : out_(out) {}
  template <typename T>
  void put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out_.insert(out_.end(), p, p + sizeof(T));
  }
  void put_string(std::string_view s) {
    put<uint64_t>(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void pad_to(uint64_t alignment) {
    while (out_.size() % alignment) out_.push_back(0);
  }

 private:
  std::vector<uint8_t>& out_;
};

void put_scalar(ByteSink& s, GgufType type, const GgufValue& v, size_t k, bool in_array) {
  const bool is_float = type == GgufType::F32 || type == GgufType::F64;
  const bool is_int = !is_float && type != GgufType::STRING;
  const int64_t iv = in_array ? (is_int ? v.ints[k] : 0) : v.i;
  const double fv = in_array ? (is_float ? v.floats[k] : 0.0) : v.f;
  switch (type) {
    case GgufType::U8: s.put<uint8_t>(static_cast<uint8_t>(in_array ? iv : v.u)); break;
    case GgufType::I8: s.put<int8_t>(static_cast<int8_t>(iv)); break;
    case GgufType::U16: s.put<uint16_t>(static_cast<uint16_t>(in_array ? iv : v.u)); break;
    case GgufType::I16: s.put<int16_t>(static_cast<int16_t>(iv)); break;
    case GgufType::U32: s.put<uint32_t>(static_cast<uint32_t>(in_array ? iv : v.u)); break;
    case GgufType::I32: s.put<int32_t>(static_cast<int32_t>(iv)); break;
    case GgufType::U64: s.put<uint64_t>(in_array ? static_cast<uint64_t>(iv) : v.u); break;
    case GgufType::I64: s.put<int64_t>(iv); break;
    case GgufType::F32: s.put<float>(static_cast<float>(fv)); break;
    case GgufType::F64: s.put<double>(fv); break;
    case GgufType::BOOL: s.put<uint8_t>((in_array ? iv : static_cast<int64_t>(v.u)) ? 1 : 0); break;
    case GgufType::STRING: s.put_string(in_array ? v.strings[k] : v.str); break;
    case GgufType::ARRAY: break;
  }
}

void put_value(ByteSink& s, const GgufValue& v) {
  if (v.type != GgufType::ARRAY) {
    put_scalar(s, v.type, v, 0, false);
    return;
  }
  s.put<uint32_t>(static_cast<uint32_t>(v.elem_type));
  s.put<uint64_t>(v.array_size());
  if (v.elem_type == GgufType::ARRAY) {
    for (const auto& inner : v.arrays) put_value(s, inner);
    return;
  }
  for (size_t k = 0; k < v.array_size(); ++k) put_scalar(s, v.elem_type, v, k, true);
}

}  // namespace

GgufValue gguf_string(std::string s) {
  GgufValue v;
  v.type = GgufType::STRING;
  v.str = std::move(s);
  return v;
}
GgufValue gguf_u32(uint32_t x) {
  GgufValue v;
  v.type = GgufType::U32;
  v.u = x;
  v.i = x;
  return v;
}
GgufValue gguf_i32(int32_t x) {
  GgufValue v;
  v.type = GgufType::I32;
  v.i = x;
  v.u = static_cast<uint64_t>(x);
  return v;
}
GgufValue gguf_f32(float x) {
  GgufValue v;
  v.type = GgufType::F32;
  v.f = x;
  return v;
}
GgufValue gguf_bool(bool x) {
  GgufValue v;
  v.type = GgufType::BOOL;
  v.u = x;
  v.i = x;
  return v;
}

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& kv : kv_)
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  kv_.emplace_back(key, std::move(value));
}
void GgufWriter::set_string(const std::string& key, std::string value) {
  set(key, gguf_string(std::move(value)));
}
void GgufWriter::set_u32(const std::string& key, uint32_t value) { set(key, gguf_u32(value)); }
void GgufWriter::set_i32(const std::string& key, int32_t value) { set(key, gguf_i32(value)); }
void GgufWriter::set_f32(const std::string& key, float value) { set(key, gguf_f32(value)); }
void GgufWriter::set_bool(const std::string& key, bool value) { set(key, gguf_bool(value)); }

void GgufWriter::set_string_array(const std::string& key, std::vector<std::string> values) {
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.elem_type = GgufType::STRING;
  v.strings = GgufStringArray(values);
  set(key, std::move(v));
}
void GgufWriter::set_i32_array(const std::string& key, const std::vector<int32_t>& values) {
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.elem_type = GgufType::I32;
  v.ints.assign(values.begin(), values.end());
  set(key, std::move(v));
}
void GgufWriter::set_f32_array(const std::string& key, const std::vector<float>& values) {
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.elem_type = GgufType::F32;
  v.floats.assign(values.begin(), values.end());
  set(key, std::move(v));
}

void GgufWriter::copy_metadata(const GgufFile& file) {
  for (const auto& kv : file.metadata()) set(kv.first, kv.second);
}

void GgufWriter::add_tensor(const std::string& name, DType type, std::vector<uint64_t> dims,
                            std::vector<uint8_t> data) {
  add_tensor_ref(name, type, std::move(dims), nullptr, data.size());
  tensors_.back().owned = std::move(data);
  tensors_.back().data = tensors_.back().owned.data();
}

void GgufWriter::add_tensor_ref(const std::string& name, DType type, std::vector<uint64_t> dims,
                                const uint8_t* data, size_t n_bytes) {
  if (dims.empty() || dims.size() > 4)
    fail(Status::kInvalidArgument, fmt::format("tensor '{}' needs 1 to 4 dimensions", name));
  for (const auto& t : tensors_)
    if (t.name == name) fail(Status::kInvalidArgument, fmt::format("duplicate tensor '{}'", name));
  const auto row = row_bytes(type, dims[0]);
  if (!row)
    fail(Status::kInvalidArgument,
         fmt::format("tensor '{}': row length {} is not a multiple of the {} block size", name,
                     dims[0], dtype_name(type)));
  uint64_t expected = *row;
  for (size_t d = 1; d < dims.size(); ++d) expected *= dims[d];
  if (expected != n_bytes)
    fail(Status::kInvalidArgument, fmt::format("tensor '{}' needs {} bytes of {} data, got {}",
                                               name, expected, dtype_name(type), n_bytes));
  tensors_.push_back(Tensor{name, type, std::move(dims), {}, data, n_bytes});
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
  std::vector<uint8_t> out;
  ByteSink s(out);
  s.put<uint32_t>(0x46554747);
  s.put<uint32_t>(3);
  s.put<uint64_t>(tensors_.size());
  const bool has_alignment_key = [&] {
    for (const auto& kv : kv_)
      if (kv.first == "general.alignment") return true;
    return false;
  }();
  const bool add_alignment_key = alignment_ != 32 && !has_alignment_key;
  s.put<uint64_t>(kv_.size() + (add_alignment_key ? 1 : 0));
  for (const auto& kv : kv_) {
    s.put_string(kv.first);
    s.put<uint32_t>(static_cast<uint32_t>(kv.second.type));
    put_value(s, kv.second);
  }
  if (add_alignment_key) {
    s.put_string("general.alignment");
    s.put<uint32_t>(static_cast<uint32_t>(GgufType::U32));
    s.put<uint32_t>(static_cast<uint32_t>(alignment_));
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    s.put_string(t.name);
    s.put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (auto d : t.dims) s.put<uint64_t>(d);
    s.put<uint32_t>(static_cast<uint32_t>(t.type));
    s.put<uint64_t>(offset);
    offset += padded(t.n_bytes);
  }
  s.pad_to(alignment_);
  return out;
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  std::vector<uint8_t> out = header_bytes();
  for (const auto& t : tensors_) {
    out.insert(out.end(), t.data, t.data + t.n_bytes);
    out.resize(out.size() + (padded(t.n_bytes) - t.n_bytes), 0);
  }
  return out;
}

void GgufWriter::write(const std::string& path, const WriteProgress& progress) const {
  // Streams tensor data straight from its source: no second copy of the model in memory.
  const std::string tmp = path + ".partial";
  std::FILE* f = platform::open_file(tmp, "wb");
  if (!f) fail(Status::kIoError, fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)));
  auto abandon = [&](Status status, const std::string& message) {
    std::fclose(f);
    std::remove(tmp.c_str());
    fail(status, message);
  };
  const auto header = header_bytes();
  uint64_t total = 0, done = 0;
  for (const auto& t : tensors_) total += t.n_bytes;
  static const uint8_t zeros[64 * 1024] = {};
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size())
    abandon(Status::kIoError, fmt::format("cannot write '{}' (disk full?)", tmp));
  for (const auto& t : tensors_) {
    const size_t pad = static_cast<size_t>(padded(t.n_bytes) - t.n_bytes);
    if (std::fwrite(t.data, 1, t.n_bytes, f) != t.n_bytes || std::fwrite(zeros, 1, pad, f) != pad)
      abandon(Status::kIoError, fmt::format("cannot write '{}' (disk full?)", tmp));
    done += t.n_bytes;
    if (progress && !progress(done, total))
      abandon(Status::kCancelled, fmt::format("writing '{}' was cancelled", path));
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    fail(Status::kIoError, fmt::format("cannot write '{}' (disk full?)", tmp));
  }
  if (!platform::replace_file(tmp, path)) {  // Windows: rename() cannot replace a file
    std::remove(tmp.c_str());
    fail(Status::kIoError, fmt::format("cannot rename '{}' to '{}': {}", tmp, path,
                                       std::strerror(errno)));
  }
}

}  // namespace hearth
