// The tensors of a Hugging Face checkpoint (one model.safetensors, or the shards an index
// names) and the planner that maps them to GGUF tensors with shape checks, shared by the
// decoder (hf_import.cpp) and BERT (bert_import.cpp) importers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "convert/model_plan.hpp"
#include "convert/safetensors.hpp"

namespace hearth::convert {

using Shards = std::vector<std::shared_ptr<const SafetensorsFile>>;

// Opens DIR/model.safetensors, or every shard named by DIR/model.safetensors.index.json.
// Throws kIoError (missing files), kInvalidModel (bad index).
Shards open_shards(const std::string& dir);

class HfPlanner {
 public:
  explicit HfPlanner(const Shards& shards);  // throws kInvalidModel for a name in two shards

  // Adds GGUF tensor `gguf` from HF tensor `hf` after checking its shape; `permute_heads` > 0
  // applies the rotary row permutation.
  void add(ModelPlan& plan, const std::string& hf, const std::string& gguf,
           std::vector<uint64_t> shape, uint64_t permute_heads = 0);
  void ignore(const std::string& hf) { used_.insert(hf); }
  bool has(const std::string& hf) const { return sources_.count(hf) != 0; }
  // Names of checkpoint tensors nothing was mapped to (rotary caches are expected leftovers).
  std::vector<std::string> unused() const;

 private:
  struct Source {
    std::shared_ptr<const SafetensorsFile> shard;
    const StTensor* tensor = nullptr;
  };
  std::map<std::string, Source> sources_;
  std::set<std::string> used_;
};

}  // namespace hearth::convert
