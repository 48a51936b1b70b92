// hearth_tokenize, hearth_detokenize, hearth_token_to_piece and special-token queries.
#include <fmt/format.h>

#include <cstring>

#include "capi_internal.hpp"

using namespace hearth::capi;

namespace {

const hearth::Tokenizer& tokenizer_of(const hearth_model* model) {
  require(model, "model");
  if (!model->tokenizer)
    throw hearth::Error(hearth::Status::kUnsupported,
                        model->tokenizer_error.empty()
                            ? "the model has no tokenizer (no tokenizer.ggml.* metadata)"
                            : model->tokenizer_error);
  return *model->tokenizer;
}

}  // namespace

extern "C" {

HEARTH_API hearth_status hearth_tokenize(const hearth_model* model, const char* text,
                                         size_t text_len, int add_special, int parse_special,
                                         hearth_token* tokens, size_t capacity, size_t* n_tokens) {
  return guarded([&] {
    const auto& tok = tokenizer_of(model);
    require(n_tokens, "n_tokens");
    if (!text && text_len) invalid("text is NULL");
    const auto ids = tok.encode(std::string_view(text ? text : "", text_len), add_special != 0,
                                parse_special != 0);
    *n_tokens = ids.size();
    if (ids.size() > capacity || (!tokens && !ids.empty())) {
      set_last_error(fmt::format("buffer too small: {} tokens needed", ids.size()));
      return HEARTH_ERR_BUFFER_TOO_SMALL;
    }
    if (!ids.empty()) std::memcpy(tokens, ids.data(), ids.size() * sizeof(hearth_token));
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_detokenize(const hearth_model* model, const hearth_token* tokens,
                                           size_t n_tokens, int remove_special, char* buf,
                                           size_t capacity, size_t* out_len) {
  return guarded([&] {
    const auto& tok = tokenizer_of(model);
    if (!tokens && n_tokens) invalid("tokens is NULL");
    std::vector<int32_t> ids(tokens, tokens + n_tokens);
    return write_text(tok.decode(ids, remove_special != 0), buf, capacity, out_len);
  });
}

HEARTH_API hearth_status hearth_token_to_piece(const hearth_model* model, hearth_token token,
                                               char* buf, size_t capacity, size_t* out_len) {
  return guarded([&] {
    return write_text(tokenizer_of(model).token_to_piece(token, true), buf, capacity, out_len);
  });
}

HEARTH_API hearth_status hearth_token_bos(const hearth_model* model, hearth_token* out) {
  return guarded([&] {
    const auto& tok = tokenizer_of(model);
    require(out, "out");
    *out = tok.bos();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_token_eos(const hearth_model* model, hearth_token* out) {
  return guarded([&] {
    const auto& tok = tokenizer_of(model);
    require(out, "out");
    *out = tok.eos();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_token_is_eog(const hearth_model* model, hearth_token token,
                                             int* out) {
  return guarded([&] {
    const auto& tok = tokenizer_of(model);
    require(out, "out");
    if (token < 0 || token >= tok.n_vocab())
      invalid(fmt::format("token {} is out of range (vocabulary of {})", token, tok.n_vocab()));
    *out = tok.is_eog(token) ? 1 : 0;
    return HEARTH_OK;
  });
}

}  // extern "C"
