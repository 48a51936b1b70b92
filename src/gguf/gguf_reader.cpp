// Validating GGUF reader. See include/hearth/gguf.hpp for the layout.
#include <fmt/format.h>
#include <cstring>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "platform/file_mapping.hpp"

namespace hearth {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr int kMaxArrayDepth = 8;        // real files never nest; bounds recursion on hostile input
constexpr uint32_t kMaxDims = 4;         // GGML_MAX_DIMS

[[noreturn]] void corrupt(size_t offset, const std::string& what) {
  fail(Status::kInvalidModel, fmt::format("invalid GGUF at offset {}: {}", offset, what));
}

// Bounds-checked little-endian cursor over the mapped bytes.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  template <typename T>
  T read(const char* what) {
    if (remaining() < sizeof(T))
      corrupt(pos_, fmt::format("file truncated while reading {} ({} bytes needed, {} left)", what,
                                sizeof(T), remaining()));
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // The bytes stay in the mapping (or the caller's buffer).
  std::string_view read_string_view(const char* what) {
    const size_t at = pos_;
    const uint64_t len = read<uint64_t>(what);
    if (len > remaining())
      corrupt(at, fmt::format("{} has length {} but only {} bytes remain", what, len, remaining()));
    const std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return s;
  }
  std::string read_string(const char* what) { return std::string(read_string_view(what)); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Smallest encoded size of one value of `type`; used to reject counts that cannot fit.
size_t min_encoded_size(GgufType type) {
  switch (type) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::BOOL:
      return 1;
    case GgufType::U16:
    case GgufType::I16:
      return 2;
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::F32:
      return 4;
    case GgufType::U64:
    case GgufType::I64:
    case GgufType::F64:
      return 8;
    case GgufType::STRING:
      return 8;
    case GgufType::ARRAY:
      return 12;
  }
  return 1;
}

bool valid_type(uint32_t t) {
  return t <= static_cast<uint32_t>(GgufType::F64);
}

// Reads one scalar into `v` (type already set). Returns false for ARRAY/STRING (handled by caller).
void read_scalar(Cursor& c, GgufValue& v) {
  switch (v.type) {
    case GgufType::U8:
      v.u = c.read<uint8_t>("u8");
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufType::I8:
      v.i = c.read<int8_t>("i8");
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufType::U16:
      v.u = c.read<uint16_t>("u16");
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufType::I16:
      v.i = c.read<int16_t>("i16");
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufType::U32:
      v.u = c.read<uint32_t>("u32");
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufType::I32:
      v.i = c.read<int32_t>("i32");
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufType::U64:
      v.u = c.read<uint64_t>("u64");
      v.i = static_cast<int64_t>(v.u);
      break;
    case GgufType::I64:
      v.i = c.read<int64_t>("i64");
      v.u = static_cast<uint64_t>(v.i);
      break;
    case GgufType::F32:
      v.f = c.read<float>("f32");
      break;
    case GgufType::F64:
      v.f = c.read<double>("f64");
      break;
    case GgufType::BOOL: {
      const size_t at = c.pos();
      const uint8_t b = c.read<uint8_t>("bool");
      if (b > 1) corrupt(at, fmt::format("bool value {} is neither 0 nor 1", b));
      v.u = b;
      v.i = b;
      break;
    }
    case GgufType::STRING:
      v.str = c.read_string("string value");
      break;
    case GgufType::ARRAY:
      break;
  }
}

void read_value(Cursor& c, GgufValue& v, int depth) {
  if (v.type != GgufType::ARRAY) {
    read_scalar(c, v);
    return;
  }
  if (depth >= kMaxArrayDepth) corrupt(c.pos(), "arrays nested too deeply");
  const size_t at = c.pos();
  const uint32_t et = c.read<uint32_t>("array element type");
  if (!valid_type(et)) corrupt(at, fmt::format("unknown array element type {}", et));
  v.elem_type = static_cast<GgufType>(et);
  const size_t count_at = c.pos();
  const uint64_t n = c.read<uint64_t>("array length");
  if (n > c.remaining() / min_encoded_size(v.elem_type))
    corrupt(count_at, fmt::format("array of {} {} elements cannot fit in the {} bytes left", n,
                                  gguf_type_name(v.elem_type), c.remaining()));
  const size_t count = static_cast<size_t>(n);
  GgufValue elem;
  elem.type = v.elem_type;
  switch (v.elem_type) {
    case GgufType::STRING: {
      // A first pass sizes the buffer, so that it is one allocation of the exact size.
      Cursor scan = c;
      size_t total = 0;
      for (size_t k = 0; k < count; ++k) total += scan.read_string_view("array string").size();
      v.strings.reserve(count, total);
      for (size_t k = 0; k < count; ++k) v.strings.push_back(c.read_string_view("array string"));
      break;
    }
    case GgufType::F32:
    case GgufType::F64:
      v.floats.reserve(count);
      for (size_t k = 0; k < count; ++k) {
        read_scalar(c, elem);
        v.floats.push_back(elem.f);
      }
      break;
    case GgufType::ARRAY:
      v.arrays.reserve(count);
      for (size_t k = 0; k < count; ++k) {
        GgufValue inner;
        inner.type = GgufType::ARRAY;
        read_value(c, inner, depth + 1);
        v.arrays.push_back(std::move(inner));
      }
      break;
    default:
      v.ints.reserve(count);
      for (size_t k = 0; k < count; ++k) {
        read_scalar(c, elem);
        v.ints.push_back(elem.i);
      }
      break;
  }
}

bool mul_overflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

}  // namespace

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::U8:
      return "u8";
    case GgufType::I8:
      return "i8";
    case GgufType::U16:
      return "u16";
    case GgufType::I16:
      return "i16";
    case GgufType::U32:
      return "u32";
    case GgufType::I32:
      return "i32";
    case GgufType::F32:
      return "f32";
    case GgufType::BOOL:
      return "bool";
    case GgufType::STRING:
      return "string";
    case GgufType::ARRAY:
      return "array";
    case GgufType::U64:
      return "u64";
    case GgufType::I64:
      return "i64";
    case GgufType::F64:
      return "f64";
  }
  return "?";
}

size_t GgufValue::array_size() const {
  if (type != GgufType::ARRAY) return 0;
  return strings.size() + ints.size() + floats.size() + arrays.size();
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::U16:
    case GgufType::I16:
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::U64:
    case GgufType::I64:
      return true;
    default:
      return false;
  }
}

std::string GgufValue::to_display_string(size_t max_elems) const {
  switch (type) {
    case GgufType::STRING:
      return str;
    case GgufType::BOOL:
      return u ? "true" : "false";
    case GgufType::F32:
    case GgufType::F64:
      return fmt::format("{}", f);
    case GgufType::U8:
    case GgufType::U16:
    case GgufType::U32:
    case GgufType::U64:
      return std::to_string(u);
    case GgufType::ARRAY: {
      std::string out = fmt::format("[{} x {}]", array_size(), gguf_type_name(elem_type));
      const size_t n = std::min(array_size(), max_elems);
      if (n == 0) return out;
      out += " ";
      for (size_t k = 0; k < n; ++k) {
        if (k) out += ", ";
        if (!strings.empty())
          out += fmt::format("\"{}\"", strings[k]);
        else if (!ints.empty())
          out += std::to_string(ints[k]);
        else if (!floats.empty())
          out += fmt::format("{}", floats[k]);
        else
          out += arrays[k].to_display_string(max_elems);
      }
      if (n < array_size()) out += ", ...";
      return out;
    }
    default:
      return std::to_string(i);
  }
}

GgufFile::~GgufFile() {
  if (mapping_) platform::unmap_file({mapping_, size_});
}

void GgufFile::release_pages(const uint8_t* p, size_t n) const {
  if (!mapping_ || p < base_ || n > size_ || p - base_ > static_cast<ptrdiff_t>(size_ - n)) return;
  // A clean, read-only mapping: dropping its pages loses nothing. Failure is harmless.
  platform::discard_mapped_pages(p, n);
}

std::shared_ptr<const GgufFile> GgufFile::open(const std::string& path) {
  const platform::FileMapping map = platform::map_file(path);  // throws kIoError naming path
  std::shared_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->size_ = map.size;
  if (file->size_ == 0)
    fail(Status::kInvalidModel, fmt::format("'{}' is empty, not a GGUF file", path));
  file->mapping_ = const_cast<void*>(map.address);  // owned from here: ~GgufFile unmaps it
  file->base_ = static_cast<const uint8_t*>(map.address);
  try {
    file->parse_all();
  } catch (const Error& e) {
    fail(e.status(), fmt::format("{}: {}", path, e.what()));
  }
  return file;
}

std::shared_ptr<const GgufFile> GgufFile::parse(const uint8_t* data, size_t size) {
  std::shared_ptr<GgufFile> file(new GgufFile());
  file->path_ = "<memory>";
  file->base_ = data;
  file->size_ = size;
  file->parse_all();
  return file;
}

void GgufFile::parse_all() {
  Cursor c(base_, size_);
  const uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) corrupt(0, "bad magic: this is not a GGUF file");
  version_ = c.read<uint32_t>("version");
  if (version_ == 1)
    fail(Status::kUnsupported, "GGUF version 1 is not supported (re-convert the model)");
  if (version_ < 2 || version_ > 3)
    fail(Status::kUnsupported, fmt::format("unsupported GGUF version {}", version_));
  const uint64_t n_tensors = c.read<uint64_t>("tensor count");
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  // Each kv needs >= 8 (key len) + 4 (type) + 1 bytes; each tensor info >= 8 + 4 + 4 + 8.
  if (n_kv > c.remaining() / 13)
    corrupt(16, fmt::format("metadata count {} cannot fit in the file", n_kv));
  if (n_tensors > c.remaining() / 24)
    corrupt(8, fmt::format("tensor count {} cannot fit in the file", n_tensors));

  kv_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t k = 0; k < n_kv; ++k) {
    const size_t at = c.pos();
    std::string key = c.read_string("metadata key");
    const size_t type_at = c.pos();
    const uint32_t t = c.read<uint32_t>("metadata value type");
    if (!valid_type(t)) corrupt(type_at, fmt::format("key '{}' has unknown value type {}", key, t));
    GgufValue v;
    v.type = static_cast<GgufType>(t);
    read_value(c, v, 0);
    if (kv_index_.count(key)) corrupt(at, fmt::format("duplicate metadata key '{}'", key));
    kv_index_.emplace(key, kv_.size());
    kv_.emplace_back(std::move(key), std::move(v));
  }

  if (const GgufValue* a = find("general.alignment")) {
    if (!a->is_integer() || a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > (1u << 16))
      fail(Status::kInvalidModel, "general.alignment must be a power of two up to 65536");
    alignment_ = a->u;
  }

  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    const size_t at = c.pos();
    GgufTensorInfo t;
    t.name = c.read_string("tensor name");
    const uint32_t n_dims = c.read<uint32_t>("tensor dimension count");
    if (n_dims == 0 || n_dims > kMaxDims)
      corrupt(at, fmt::format("tensor '{}' has {} dimensions (1 to {} allowed)", t.name, n_dims,
                              kMaxDims));
    t.n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim = c.read<uint64_t>("tensor dimension");
      if (dim == 0 || dim > (uint64_t{1} << 40) || mul_overflows(t.n_elements, dim, &t.n_elements))
        corrupt(at, fmt::format("tensor '{}' has invalid dimension {}", t.name, dim));
      t.dims.push_back(dim);
    }
    const size_t type_at = c.pos();
    const uint32_t type_id = c.read<uint32_t>("tensor type");
    const auto traits = dtype_traits(type_id);
    if (!traits)
      fail(Status::kUnsupported,
           fmt::format("tensor '{}' at offset {} has type id {}, which hearth does not support",
                       t.name, type_at, type_id));
    t.type = traits->type;
    if (t.dims[0] % traits->block_elems != 0)
      corrupt(at,
              fmt::format("tensor '{}': row length {} is not a multiple of the {} block size {}",
                          t.name, t.dims[0], traits->name, traits->block_elems));
    if (mul_overflows(t.n_elements / traits->block_elems, traits->block_bytes, &t.n_bytes))
      corrupt(at, fmt::format("tensor '{}' is too large", t.name));
    t.offset = c.read<uint64_t>("tensor offset");
    if (t.offset % alignment_ != 0)
      corrupt(at, fmt::format("tensor '{}' offset {} is not aligned to {}", t.name, t.offset,
                              alignment_));
    if (tensor_index_.count(t.name)) corrupt(at, fmt::format("duplicate tensor '{}'", t.name));
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t pos = c.pos();
  data_offset_ = (pos + alignment_ - 1) / alignment_ * alignment_;
  if (!tensors_.empty() && data_offset_ > size_)
    corrupt(pos, "file ends before the tensor data section");
  const uint64_t data_size = size_ > data_offset_ ? size_ - data_offset_ : 0;
  for (auto& t : tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset)
      corrupt(static_cast<size_t>(data_offset_ + std::min<uint64_t>(t.offset, data_size)),
              fmt::format("tensor '{}' ({} bytes at data offset {}) extends past the end of the "
                          "file ({} data bytes)",
                          t.name, t.n_bytes, t.offset, data_size));
    t.data = base_ + data_offset_ + t.offset;
  }
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::STRING)
    fail(Status::kInvalidModel,
         fmt::format("metadata '{}' should be a string but is {}", key, gguf_type_name(v->type)));
  return v->str;
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_integer() && v->type != GgufType::BOOL)
    fail(Status::kInvalidModel,
         fmt::format("metadata '{}' should be an integer but is {}", key, gguf_type_name(v->type)));
  return v->i;
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type == GgufType::F32 || v->type == GgufType::F64) return v->f;
  if (v->is_integer()) return static_cast<double>(v->i);
  fail(Status::kInvalidModel,
       fmt::format("metadata '{}' should be a number but is {}", key, gguf_type_name(v->type)));
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::BOOL && !v->is_integer())
    fail(Status::kInvalidModel,
         fmt::format("metadata '{}' should be a bool but is {}", key, gguf_type_name(v->type)));
  return v->u != 0;
}

const GgufStringArray* GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  if (v->type != GgufType::ARRAY || (v->elem_type != GgufType::STRING && v->array_size() != 0))
    fail(Status::kInvalidModel, fmt::format("metadata '{}' should be an array of strings", key));
  return &v->strings;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace hearth
