// libFuzzer target: the Hugging Face importer (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json, split by the file separator) must reject or plan any folder without
// crashing; every tensor of an accepted plan must load from inside the safetensors data.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "convert/importers.hpp"
#include "fuzz_files.hpp"
#include "hearth/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hearth::fuzz::ScratchDir dir;
  const auto parts = hearth::fuzz::split_files(data, size, 4);
  const auto& root = dir.reset();
  dir.write("config.json", parts[0]);
  dir.write("model.safetensors", parts[1]);
  dir.write("tokenizer.json", parts[2]);
  if (!parts[3].empty()) dir.write("tokenizer_config.json", parts[3]);
  try {
    auto plan = hearth::convert::plan_hf(root.string());
    std::vector<float> buf;
    for (const auto& t : plan.tensors) {
      // Tensors are views of the safetensors data, which the fuzzer keeps small.
      if (t.n_elements() > (1u << 22)) std::abort();
      buf.assign(t.n_elements(), 0.f);
      t.load(buf.data());
    }
    (void)plan.writer.to_bytes();
  } catch (const hearth::Error&) {
  }
  return 0;
}
