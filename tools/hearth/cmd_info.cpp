// hearth info MODEL.gguf — architecture, sizes, tensor count and all metadata.
#include <fmt/format.h>
#include <cstdio>
#include <map>

#include "command.hpp"
#include "hearth/cpu.hpp"
#include "hearth/gguf.hpp"

namespace {

int run_info(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] == "--help") {
    std::fprintf(stderr, "usage: hearth info MODEL.gguf\n");
    return args.size() == 1 ? 0 : 2;
  }
  auto file = hearth::GgufFile::open(args[0]);
  const std::string arch = file->get_string("general.architecture").value_or("(none)");
  uint64_t n_params = 0;
  std::map<std::string, size_t> types;
  for (const auto& t : file->tensors()) {
    n_params += t.n_elements;
    types[std::string(hearth::dtype_name(t.type))]++;
  }
  fmt::print("file:         {}\n", args[0]);
  fmt::print("gguf version: {}\n", file->version());
  fmt::print("architecture: {}\n", arch);
  fmt::print("name:         {}\n", file->get_string("general.name").value_or(""));
  fmt::print("parameters:   {} ({:.2f} M)\n", n_params, n_params / 1e6);
  fmt::print("file size:    {} bytes ({:.2f} MiB)\n", file->file_size(),
             file->file_size() / 1048576.0);
  fmt::print("tensors:      {}", file->tensors().size());
  for (const auto& [type, n] : types) fmt::print(" {}x{}", n, type);
  fmt::print("\nmetadata:     {} keys\n", file->metadata().size());
  for (const auto& [key, value] : file->metadata())
    fmt::print("  {:<40} {}\n", key, value.to_display_string());
  std::fprintf(stderr, "system: %s\n", hearth::system_info().c_str());
  return 0;
}

const hearth::cli::Register reg{"info", "print a model's architecture, sizes and metadata",
                                &run_info};

}  // namespace
