// The two importers: each reads its input, validates it, and returns a ModelPlan.
#pragma once

#include <string>

#include "convert/model_plan.hpp"

namespace hearth::convert {

// A Hugging Face folder: config.json, model.safetensors or model.safetensors.index.json with
// its shards, tokenizer.json (+ tokenizer_config.json).
ModelPlan plan_hf(const std::string& dir);

// A Hugging Face BERT folder (bert_import.cpp): config.json, safetensors, vocab.txt
// (+ tokenizer_config.json, 1_Pooling/config.json). plan_hf() hands such folders to plan_bert().
bool is_bert_checkpoint(const std::string& dir);
ModelPlan plan_bert(const std::string& dir);

// A llama2.c checkpoint (legacy version-0 export) and its tokenizer.bin.
ModelPlan plan_llama2c(const std::string& checkpoint, const std::string& tokenizer);

}  // namespace hearth::convert
