// Reading a model's hyper-parameters and weight views out of a GGUF file, validated before use:
// shared by the decoder loader (model_loader.cpp) and the embedders' (embed/encoder_model.cpp),
// so that both give the same errors for the same faults of a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hearth/gguf.hpp"
#include "hearth/model.hpp"

namespace hearth::model {

// An integer hyper-parameter (a dimension or a count): the key's value, else `fallback`; absent
// or outside 1..2^30: Status::kInvalidModel naming the key.
int metadata_dim(const GgufFile& f, const std::string& key,
                 std::optional<int64_t> fallback = std::nullopt);

// The weight `name` of shape [n_in] (n_out 0) or [n_in, n_out], in a type hearth computes with.
// Absent: an empty view if !required, else Status::kInvalidModel; a wrong shape or rows that do
// not fit the type: kInvalidModel; a type without kernels: kUnsupported.
TensorView weight_view(const GgufFile& f, const std::string& name, int64_t n_in, int64_t n_out,
                       bool required = true);

// A norm weight or bias of n floats: the forward passes read them directly, so F32 only (as
// every converter writes them); otherwise as weight_view.
TensorView f32_vector(const GgufFile& f, const std::string& name, int64_t n, bool required = true);

}  // namespace hearth::model
