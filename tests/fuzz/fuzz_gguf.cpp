// libFuzzer target: the GGUF reader must reject or accept any byte string without crashing,
// hanging or allocating without bound; accepted files must keep every tensor inside the buffer.
#include <cstdint>
#include <cstdlib>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto file = hearth::GgufFile::parse(data, size);
    for (const auto& t : file->tensors())
      if (t.data < data || t.data + t.n_bytes > data + size) std::abort();
    for (const auto& kv : file->metadata()) (void)kv.second.to_display_string();
  } catch (const hearth::Error&) {
  }
  return 0;
}
