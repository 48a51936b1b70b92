// hearth_context_*, hearth_decode, hearth_logits, hearth_generate: the KV cache and generation.
//
// Threading rules (as hearth.h states): a context is used by one thread at a time; its worker
// threads (n_threads) are owned by the context; hearth_context_cancel may be called from any
// thread while another thread is inside hearth_decode or hearth_generate on the same context.

#include "capi_generate_options.hpp"
#include "capi_internal.hpp"
#include "generate/generate.hpp"
#include "hearth/context.hpp"

struct hearth_context {
  std::unique_ptr<hearth::Context> ctx;
};

using namespace hearth::capi;

namespace {

hearth::Context& context_of(hearth_context* c) {
  require(c, "ctx");
  return *c->ctx;
}

}  // namespace

namespace hearth::capi {
hearth_context_params context_params_defaults() {
  hearth_context_params p{};
  p.struct_size = sizeof p;
  p.n_ctx = 2048;
  p.n_threads = 0;
  p.n_batch = 512;
  return p;
}
hearth_sampler_params sampler_params_defaults() {
  hearth_sampler_params p{};
  p.struct_size = sizeof p;
  p.temperature = 0.8f;
  p.top_k = 40;
  p.top_p = 0.95f;
  p.min_p = 0.05f;
  p.typical_p = 1.0f;
  p.repeat_penalty = 1.0f;
  p.penalty_last_n = 64;
  p.seed = 0xFFFFFFFFFFFFFFFFull;
  return p;
}
hearth_generate_params generate_params_defaults() {
  hearth_generate_params p{};
  p.struct_size = sizeof p;
  p.max_tokens = 256;
  return p;
}
}  // namespace hearth::capi

extern "C" {


HEARTH_API hearth_status hearth_context_params_init(hearth_context_params* params, size_t size) {
  return init_sized(params, size, context_params_defaults());
}

HEARTH_API hearth_status hearth_context_new(const hearth_model* model,
                                            const hearth_context_params* params,
                                            hearth_context** out_ctx) {
  return guarded([&] {
    require(model, "model");
    require(out_ctx, "out_ctx");
    const auto p = read_sized(params, context_params_defaults(), "params");
    if (!model->weights)
      invalid("the model has no weights (loaded with vocab_only, or a vocabulary-only file)");
    hearth::ContextParams cp;
    cp.n_ctx = p.n_ctx;
    cp.n_threads = p.n_threads;
    cp.n_batch = p.n_batch;
    auto c = std::make_unique<hearth_context>();
    c->ctx = std::make_unique<hearth::Context>(model->weights, cp);
    *out_ctx = c.release();
    return HEARTH_OK;
  });
}

HEARTH_API void hearth_context_free(hearth_context* ctx) {
  delete ctx;
}

HEARTH_API hearth_status hearth_context_set_threads(hearth_context* ctx, int32_t n_threads) {
  return guarded([&] {
    context_of(ctx).set_threads(n_threads);
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_context_n_past(const hearth_context* ctx, int32_t* out) {
  return guarded([&] {
    require(ctx, "ctx");
    require(out, "out");
    *out = ctx->ctx->n_past();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_context_truncate(hearth_context* ctx, int32_t n_keep) {
  return guarded([&] {
    context_of(ctx).truncate(n_keep);
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_decode(hearth_context* ctx, const hearth_token* tokens,
                                       size_t n_tokens) {
  return guarded([&] {
    hearth::Context& c = context_of(ctx);
    require(tokens, "tokens");
    c.decode(tokens, n_tokens);  // a cancellable call (Context::CallScope)
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_logits(hearth_context* ctx, const float** out, int32_t* n_vocab) {
  return guarded([&] {
    hearth::Context& c = context_of(ctx);
    require(out, "out");
    require(n_vocab, "n_vocab");
    const float* l = c.logits();
    *out = l;
    *n_vocab = c.n_vocab();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_sampler_params_init(hearth_sampler_params* params, size_t size) {
  return init_sized(params, size, sampler_params_defaults());
}

HEARTH_API hearth_status hearth_generate_params_init(hearth_generate_params* params,
                                                     size_t size) {
  return init_sized(params, size, generate_params_defaults());
}

HEARTH_API hearth_status hearth_generate(hearth_context* ctx, const hearth_token* prompt,
                                         size_t n_prompt, const hearth_generate_params* params,
                                         hearth_generation_result* result) {
  return guarded([&] {
    hearth::Context& c = context_of(ctx);
    if (n_prompt > 0) require(prompt, "prompt");
    if (result) require_out_struct(result, "result");
    const hearth::GenerateOptions opt = to_generate_options(params);
    const hearth::GenerateResult r = hearth::generate(c, prompt, n_prompt, opt);
    return report_generation(r, result);
  });
}

HEARTH_API hearth_status hearth_context_cancel(hearth_context* ctx) {
  return guarded([&] {
    if (!context_of(ctx).cancel()) return nothing_running("hearth_context_cancel");
    return HEARTH_OK;
  });
}

}  // extern "C"
