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

extern "C" {

HEARTH_API void hearth_context_params_init(hearth_context_params* params) {
  if (!params) return;
  *params = hearth_context_params{};
  params->struct_size = sizeof(hearth_context_params);
  params->n_ctx = 2048;
  params->n_threads = 0;
  params->n_batch = 512;
}

HEARTH_API hearth_status hearth_context_new(const hearth_model* model,
                                            const hearth_context_params* params,
                                            hearth_context** out_ctx) {
  return guarded([&] {
    require(model, "model");
    require(out_ctx, "out_ctx");
    const auto p = copy_params(params, &hearth_context_params_init, "params");
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
    c.clear_cancel();
    c.decode(tokens, n_tokens);
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

HEARTH_API void hearth_sampler_params_init(hearth_sampler_params* params) {
  if (!params) return;
  *params = hearth_sampler_params{};
  params->struct_size = sizeof(hearth_sampler_params);
  params->temperature = 0.8f;
  params->top_k = 40;
  params->top_p = 0.95f;
  params->min_p = 0.05f;
  params->typical_p = 1.0f;
  params->repeat_penalty = 1.0f;
  params->penalty_last_n = 64;
  params->seed = 0xFFFFFFFFFFFFFFFFull;
}

HEARTH_API void hearth_generate_params_init(hearth_generate_params* params) {
  if (!params) return;
  *params = hearth_generate_params{};
  params->struct_size = sizeof(hearth_generate_params);
  params->max_tokens = 256;
}

HEARTH_API hearth_status hearth_generate(hearth_context* ctx, const hearth_token* prompt,
                                         size_t n_prompt, const hearth_generate_params* params,
                                         hearth_generation_result* result) {
  return guarded([&] {
    hearth::Context& c = context_of(ctx);
    if (n_prompt > 0) require(prompt, "prompt");
    if (result) require_params(result, "result");
    const hearth::GenerateOptions opt = to_generate_options(params);
    const hearth::GenerateResult r = hearth::generate(c, prompt, n_prompt, opt);
    return report_generation(r, result);
  });
}

HEARTH_API hearth_status hearth_context_cancel(hearth_context* ctx) {
  return guarded([&] {
    context_of(ctx).cancel();
    return HEARTH_OK;
  });
}

}  // extern "C"
