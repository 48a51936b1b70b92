#include "convert/hf_tensors.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::convert {

namespace fs = std::filesystem;

// Opens model.safetensors, or every shard named by model.safetensors.index.json.
Shards open_shards(const std::string& dir) {
  Shards shards;
  const std::string index = dir + "/model.safetensors.index.json";
  if (fs::exists(index)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_text_file(index));
    } catch (const nlohmann::json::exception& e) {
      fail(Status::kInvalidModel, fmt::format("{}: not valid JSON: {}", index, e.what()));
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      fail(Status::kInvalidModel, fmt::format("{}: no \"weight_map\" object", index));
    std::set<std::string> files;
    for (const auto& [tensor, file] : j["weight_map"].items()) {
      if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos)
        fail(Status::kInvalidModel, fmt::format("{}: bad shard name for '{}'", index, tensor));
      files.insert(file.get<std::string>());
    }
    for (const auto& f : files) {
      const std::string p = dir + "/" + f;
      if (!fs::exists(p))
        fail(Status::kIoError, fmt::format("shard '{}' named in {} is missing", p, index));
      shards.push_back(SafetensorsFile::open(p));
    }
    for (const auto& [tensor, file] : j["weight_map"].items()) {
      bool found = false;
      for (const auto& s : shards)
        if (fs::path(s->path()).filename() == file.get<std::string>() && s->find(tensor))
          found = true;
      if (!found)
        fail(Status::kInvalidModel,
             fmt::format("tensor '{}' is not in shard '{}'", tensor, file.get<std::string>()));
    }
  } else if (fs::exists(dir + "/model.safetensors")) {
    shards.push_back(SafetensorsFile::open(dir + "/model.safetensors"));
  } else {
    fail(Status::kIoError,
         fmt::format("no model.safetensors or model.safetensors.index.json in '{}'", dir));
  }
  return shards;
}

HfPlanner::HfPlanner(const Shards& shards) {
  for (const auto& s : shards)
    for (const auto& [name, t] : s->tensors()) {
      if (sources_.count(name))
        fail(Status::kInvalidModel, fmt::format("tensor '{}' appears in two shards", name));
      sources_[name] = Source{s, &t};
    }
}

void HfPlanner::add(ModelPlan& plan, const std::string& hf, const std::string& gguf,
                    std::vector<uint64_t> shape, uint64_t permute_heads) {
  auto it = sources_.find(hf);
  if (it == sources_.end())
    fail(Status::kInvalidModel, fmt::format("tensor '{}' is missing from the checkpoint", hf));
  used_.insert(hf);
  const Source src = it->second;
  if (src.tensor->shape != shape)
    fail(Status::kInvalidModel,
         fmt::format("tensor '{}' has shape [{}] but config.json implies [{}]", hf,
                     fmt::join(src.tensor->shape, ", "), fmt::join(shape, ", ")));
  if (safetensors_dtype_size(src.tensor->dtype) == 0 ||
      (src.tensor->dtype != "F32" && src.tensor->dtype != "F16" && src.tensor->dtype != "BF16"))
    fail(Status::kUnsupported,
         fmt::format("tensor '{}' has dtype {} (F32, F16, BF16 only)", hf, src.tensor->dtype));
  PlannedTensor t;
  t.name = gguf;
  t.shape = shape;
  const uint64_t rows = shape[0];
  const uint64_t cols = shape.size() > 1 ? shape[1] : 1;
  t.load = [src, permute_heads, rows, cols](float* out) {
    if (permute_heads == 0) return tensor_to_f32(*src.tensor, out);
    std::vector<float> tmp(rows * cols);
    tensor_to_f32(*src.tensor, tmp.data());
    permute_rotary_rows(tmp.data(), out, rows, cols, permute_heads);
  };
  plan.tensors.push_back(std::move(t));
}

std::vector<std::string> HfPlanner::unused() const {
  std::vector<std::string> out;
  for (const auto& [name, s] : sources_)
    if (!used_.count(name) && name.find("rotary_emb.inv_freq") == std::string::npos)
      out.push_back(name);
  return out;
}

}  // namespace hearth::convert
