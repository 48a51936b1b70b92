// hearth_model_*: loading and metadata queries.
#include <fmt/format.h>

#include <cstring>
#include <map>

#include "capi_internal.hpp"
#include "embed/encoder_model.hpp"

namespace {

// llama.cpp's llama_ftype numbering, as stored in general.file_type.
const char* file_type_name(int64_t ftype) {
  static const std::map<int64_t, const char*> names = {
      {0, "F32"},     {1, "F16"},     {2, "Q4_0"},     {3, "Q4_1"},     {7, "Q8_0"},
      {8, "Q5_0"},    {9, "Q5_1"},    {10, "Q2_K"},    {11, "Q3_K_S"},  {12, "Q3_K_M"},
      {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"},  {16, "Q5_K_S"},  {17, "Q5_K_M"},
      {18, "Q6_K"},   {32, "BF16"}};
  auto it = names.find(ftype & ~int64_t{1024});  // 1024 = "guessed" flag
  return it == names.end() ? nullptr : it->second;
}

void fill_summary(hearth_model& m) {
  const hearth::GgufFile& f = *m.gguf;
  m.architecture = f.get_string("general.architecture").value_or("");
  for (const auto& t : f.tensors()) m.n_params += t.n_elements;
  m.context_length = static_cast<int32_t>(
      f.get_int(m.architecture + ".context_length").value_or(0));
  if (const auto* tokens = f.get_string_array("tokenizer.ggml.tokens"))
    m.vocab_size = static_cast<int32_t>(tokens->size());
  else
    m.vocab_size = static_cast<int32_t>(f.get_int(m.architecture + ".vocab_size").value_or(0));
  if (auto ft = f.get_int("general.file_type"); ft && file_type_name(*ft)) {
    m.file_type = file_type_name(*ft);
  } else {
    // No (known) file type: name the type holding most of the weights.
    std::map<hearth::DType, uint64_t> by_type;
    for (const auto& t : f.tensors()) by_type[t.type] += t.n_elements;
    uint64_t best = 0;
    for (const auto& [type, n] : by_type)
      if (n > best) {
        best = n;
        m.file_type = std::string(hearth::dtype_name(type));
        for (auto& ch : m.file_type) ch = static_cast<char>(std::toupper(ch));
      }
  }
}

}  // namespace

using namespace hearth::capi;

hearth_model_params hearth::capi::model_params_defaults() {
  hearth_model_params p{};
  p.struct_size = sizeof p;
  return p;
}

extern "C" {


HEARTH_API hearth_status hearth_model_params_init(hearth_model_params* params, size_t size) {
  return init_sized(params, size, model_params_defaults());
}

HEARTH_API hearth_status hearth_model_load(const char* path, const hearth_model_params* params,
                                           hearth_model** out_model) {
  return guarded([&] {
    require(path, "path");
    require(out_model, "out_model");
    const hearth_model_params p = read_sized(params, model_params_defaults(), "params");
    // The progress callback sees the three load steps (map + parse, weights, tokenizer) and
    // may cancel between them.
    const auto step = [&](uint64_t done) {
      if (p.progress && p.progress(done, 3, p.progress_user_data) != 0)
        throw hearth::Error(hearth::Status::kCancelled,
                            "model load cancelled by the progress callback");
    };
    step(0);
    auto model = std::make_unique<hearth_model>();
    model->gguf = hearth::GgufFile::open(path);
    fill_summary(*model);
    step(1);
    // Validate the architecture and every tensor now, so a bad model fails at load time.
    // Encoder-only embedders (bert, nomic-bert) have no decoder weights: hearth_embedder_load.
    if (!p.vocab_only && !model->gguf->tensors().empty() &&
        !hearth::embed::is_encoder_architecture(model->architecture))
      model->weights = hearth::Model::load(
          model->gguf, {p.repack_cache ? std::string(p.repack_cache) : std::string()});
    step(2);
    try {
      model->tokenizer = hearth::Tokenizer::from_gguf(*model->gguf);
    } catch (const hearth::Error& e) {
      // An unsupported tokenizer does not stop the weights from loading; tokenizer calls will
      // report why.
      if (e.status() != hearth::Status::kUnsupported) throw;
      model->tokenizer_error = e.what();
    }
    step(3);
    *out_model = model.release();
    return HEARTH_OK;
  });
}

HEARTH_API void hearth_model_free(hearth_model* model) { delete model; }

HEARTH_API hearth_status hearth_model_architecture(const hearth_model* model, const char** out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->architecture.c_str();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_file_type(const hearth_model* model, const char** out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->file_type.c_str();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_n_params(const hearth_model* model, uint64_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->n_params;
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_context_length(const hearth_model* model, int32_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->context_length;
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_vocab_size(const hearth_model* model, int32_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->vocab_size;
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_tensor_count(const hearth_model* model, int64_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = static_cast<int64_t>(model->gguf->tensors().size());
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_meta_count(const hearth_model* model, int64_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = static_cast<int64_t>(model->gguf->metadata().size());
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_meta_key(const hearth_model* model, int64_t index,
                                               const char** out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    const auto& kv = model->gguf->metadata();
    if (index < 0 || static_cast<size_t>(index) >= kv.size())
      invalid(fmt::format("metadata index {} out of range (model has {} entries)", index, kv.size()));
    *out = kv[static_cast<size_t>(index)].first.c_str();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_model_meta_string(const hearth_model* model, const char* key,
                                                  char* buf, size_t capacity, size_t* out_len) {
  return guarded([&] {
    require(model, "model");
    require(key, "key");
    const hearth::GgufValue* v = model->gguf->find(key);
    if (!v) invalid(fmt::format("the model has no metadata key '{}'", key));
    return write_text(v->to_display_string(), buf, capacity, out_len);
  });
}

}  // extern "C"
