// libFuzzer target: the llama2.c importer (checkpoint + tokenizer.bin, split by the file
// separator) must reject or plan any pair of files without crashing, and every tensor of an
// accepted plan must load inside the checkpoint.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "convert/importers.hpp"
#include "fuzz_files.hpp"
#include "hearth/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hearth::fuzz::ScratchDir dir;
  const auto parts = hearth::fuzz::split_files(data, size, 2);
  dir.reset();
  const std::string model = dir.write("model.bin", parts[0]);
  const std::string tokenizer = dir.write("tokenizer.bin", parts[1]);
  try {
    auto plan = hearth::convert::plan_llama2c(model, tokenizer);
    std::vector<float> buf;
    for (const auto& t : plan.tensors) {
      if (t.n_elements() > (1u << 22)) std::abort();  // larger than any file the fuzzer makes
      buf.assign(t.n_elements(), 0.f);
      t.load(buf.data());
    }
    (void)plan.writer.to_bytes();
  } catch (const hearth::Error&) {
  }
  return 0;
}
