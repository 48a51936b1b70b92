/* The whole C ABI from C11, function by function: NULL handles and pointers, bad params
 * structs, small buffers, and real calls on stories260K.gguf. Prints "N passed, M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth.h"

static int failures = 0;
static int checks = 0;
#define CHECK(cond)                                                                            \
  do {                                                                                         \
    ++checks;                                                                                  \
    if (!(cond)) {                                                                             \
      ++failures;                                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              hearth_last_error());                                                            \
    }                                                                                          \
  } while (0)
/* An error status with a message a person can read. */
#define CHECK_ERR(call, status)             \
  do {                                      \
    CHECK((call) == (status));              \
    CHECK(strlen(hearth_last_error()) > 0); \
  } while (0)

static char model_path[4096];

static hearth_model* load(int vocab_only) {
  hearth_model_params mp;
  HEARTH_MODEL_PARAMS_INIT(&mp);
  mp.vocab_only = vocab_only;
  hearth_model* m = NULL;
  if (hearth_model_load(model_path, &mp, &m) != HEARTH_OK) {
    fprintf(stderr, "cannot load %s: %s\n", model_path, hearth_last_error());
    ++failures;
    return NULL;
  }
  return m;
}

static void test_null_everywhere(void) {
  const char* s;
  int32_t i32;
  int64_t i64;
  uint64_t u64;
  char buf[16];
  size_t len;
  hearth_model_params_init(NULL, 0); /* must not crash */
  hearth_context_params_init(NULL, 0);
  hearth_sampler_params_init(NULL, 0);
  hearth_generate_params_init(NULL, 0);
  hearth_convert_params_init(NULL, 0);
  hearth_context_free(NULL);
  hearth_model_free(NULL);
  CHECK_ERR(hearth_model_file_type(NULL, &s), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_n_params(NULL, &u64), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_context_length(NULL, &i32), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_vocab_size(NULL, &i32), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_tensor_count(NULL, &i64), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_meta_count(NULL, &i64), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_meta_key(NULL, 0, &s), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_model_meta_string(NULL, "general.architecture", buf, sizeof buf, &len),
            HEARTH_ERR_INVALID_ARGUMENT);
  hearth_context* ctx = (hearth_context*)0x1;
  CHECK_ERR(hearth_context_new(NULL, NULL, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(ctx == (hearth_context*)0x1);
  CHECK_ERR(hearth_context_set_threads(NULL, 1), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_context_n_past(NULL, &i32), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_context_truncate(NULL, 0), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_token t = 1;
  CHECK_ERR(hearth_decode(NULL, &t, 1), HEARTH_ERR_INVALID_ARGUMENT);
  const float* logits;
  CHECK_ERR(hearth_logits(NULL, &logits, &i32), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_generate(NULL, &t, 1, NULL, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_context_cancel(NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_convert(NULL), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_convert_params cp;
  HEARTH_CONVERT_PARAMS_INIT(&cp);
  CHECK(cp.struct_size == sizeof cp);
  CHECK_ERR(hearth_convert(&cp), HEARTH_ERR_INVALID_ARGUMENT); /* input/output NULL */
  cp.struct_size = 0;
  CHECK_ERR(hearth_convert(&cp), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_quantize(NULL, "/tmp/x.gguf", "q8_0", NULL, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_quantize(model_path, NULL, "q8_0", NULL, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_quantize(model_path, "/tmp/x.gguf", NULL, NULL, NULL),
            HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_token_bos(NULL, &t), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_token_eos(NULL, &t), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_tokenize(NULL, "a", 1, 0, 0, &t, 1, &len), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_detokenize(NULL, &t, 1, 0, buf, sizeof buf, &len), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_token_to_piece(NULL, 1, buf, sizeof buf, &len), HEARTH_ERR_INVALID_ARGUMENT);
  int flag;
  CHECK_ERR(hearth_token_is_eog(NULL, 1, &flag), HEARTH_ERR_INVALID_ARGUMENT);
  {
    hearth_session* sess = NULL;
    CHECK_ERR(hearth_session_new(NULL, NULL, &sess), HEARTH_ERR_INVALID_ARGUMENT);
  }
  hearth_session_free(NULL);
  CHECK_ERR(hearth_session_add_message(NULL, "user", "hi"), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_generate(NULL, NULL, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_cancel(NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_reset(NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_save(NULL, "/tmp/x"), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_load(NULL, "/tmp/x"), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_session_params_init(NULL, 0);
  {
    hearth_chat_message msg = {"user", "hi"};
    CHECK_ERR(hearth_chat_template_apply(NULL, NULL, &msg, 1, 1, NULL, NULL, buf, sizeof buf, &len),
              HEARTH_ERR_INVALID_ARGUMENT);
  }
}

static void test_context_params(hearth_model* m) {
  hearth_context_params p;
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  CHECK(p.struct_size == sizeof p && p.n_ctx == 2048 && p.n_batch == 512);
  hearth_context* ctx = NULL;
  CHECK_ERR(hearth_context_new(m, &p, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  p.struct_size = 0;
  CHECK_ERR(hearth_context_new(m, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  {
    /* A newer caller's larger struct: init zeroes the fields it does not know, and the library
     * reads only its own fields. */
    struct {
      hearth_context_params p;
      unsigned char future[64];
    } big;
    size_t i, nonzero = 0;
    memset(&big, 0xAB, sizeof big);
    CHECK(hearth_context_params_init(&big.p, sizeof big) == HEARTH_OK);
    for (i = 0; i < sizeof big.future; ++i) nonzero += big.future[i] != 0;
    CHECK(big.p.struct_size == sizeof big && big.p.n_ctx == 2048 && nonzero == 0);
    big.p.n_ctx = 64;
    CHECK(hearth_context_new(m, &big.p, &ctx) == HEARTH_OK);
    hearth_context_free(ctx);
    ctx = NULL;
  }
  CHECK_ERR(hearth_context_params_init(&p, sizeof(size_t) - 1), HEARTH_ERR_INVALID_ARGUMENT);
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  p.n_ctx = 0;
  CHECK_ERR(hearth_context_new(m, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  p.n_ctx = 1 << 30;
  CHECK_ERR(hearth_context_new(m, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  p.n_ctx = -5;
  CHECK_ERR(hearth_context_new(m, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  p.n_batch = 0;
  CHECK_ERR(hearth_context_new(m, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  p.n_threads = -1;
  CHECK_ERR(hearth_context_new(m, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(ctx == NULL);
  {
    /* An older caller's smaller struct: init writes only the bytes the caller has. */
    union {
      hearth_context_params p;
      unsigned char raw[sizeof(hearth_context_params) + 16];
    } old;
    const size_t old_size = offsetof(hearth_context_params, n_threads);
    size_t i, touched = 0;
    memset(&old, 0xAB, sizeof old);
    CHECK(hearth_context_params_init(&old.p, old_size) == HEARTH_OK);
    for (i = old_size; i < sizeof old.raw; ++i) touched += old.raw[i] != 0xAB;
    CHECK(touched == 0 && old.p.struct_size == old_size && old.p.n_ctx == 2048);
  }
  /* An older caller's smaller struct (only n_ctx known) is accepted; the rest is defaulted. */
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  p.struct_size = offsetof(hearth_context_params, n_threads);
  p.n_ctx = 64;
  CHECK(hearth_context_new(m, &p, &ctx) == HEARTH_OK);
  hearth_context_free(ctx);
}

static void test_decode(hearth_model* m) {
  hearth_context_params p;
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  p.n_ctx = 8;
  p.n_threads = 1;
  hearth_context* ctx = NULL;
  if (hearth_context_new(m, &p, &ctx) != HEARTH_OK) {
    fprintf(stderr, "context_new: %s\n", hearth_last_error());
    ++failures;
    return;
  }
  const float* logits = NULL;
  int32_t n_vocab = 0, n_past = -1;
  CHECK_ERR(hearth_logits(ctx, &logits, &n_vocab), HEARTH_ERR_INVALID_ARGUMENT); /* none yet */
  CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 0);
  CHECK_ERR(hearth_context_n_past(ctx, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  const hearth_token toks[9] = {1, 400, 59, 261, 1, 2, 3, 4, 5};
  CHECK_ERR(hearth_decode(ctx, NULL, 1), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_decode(ctx, toks, 0), HEARTH_ERR_INVALID_ARGUMENT);
  const hearth_token bad[2] = {1, 512};
  CHECK_ERR(hearth_decode(ctx, bad, 2), HEARTH_ERR_INVALID_ARGUMENT); /* out of vocab */
  const hearth_token neg = -1;
  CHECK_ERR(hearth_decode(ctx, &neg, 1), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 0);
  CHECK(hearth_decode(ctx, toks, 3) == HEARTH_OK);
  CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 3);
  CHECK(hearth_logits(ctx, &logits, &n_vocab) == HEARTH_OK && n_vocab == 512);
  CHECK_ERR(hearth_logits(ctx, NULL, &n_vocab), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_logits(ctx, &logits, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  int finite = 1;
  for (int i = 0; i < n_vocab; ++i) finite &= isfinite(logits[i]) ? 1 : 0;
  CHECK(finite);
  /* Truncating and re-decoding the same token gives the same logits. */
  float last[512];
  memcpy(last, logits, sizeof last);
  CHECK(hearth_context_truncate(ctx, 2) == HEARTH_OK);
  CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 2);
  CHECK_ERR(hearth_context_truncate(ctx, -1), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(hearth_decode(ctx, toks + 2, 1) == HEARTH_OK);
  CHECK(hearth_logits(ctx, &logits, &n_vocab) == HEARTH_OK);
  CHECK(memcmp(last, logits, sizeof last) == 0);
  CHECK(hearth_context_set_threads(ctx, 2) == HEARTH_OK);
  CHECK_ERR(hearth_context_set_threads(ctx, -1), HEARTH_ERR_INVALID_ARGUMENT);
  /* Fill the 8-token context, then one more: CONTEXT_FULL with n_past unchanged. */
  CHECK(hearth_decode(ctx, toks + 3, 5) == HEARTH_OK);
  CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 8);
  CHECK_ERR(hearth_decode(ctx, toks + 8, 1), HEARTH_ERR_CONTEXT_FULL);
  CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 8);
  CHECK(hearth_logits(ctx, &logits, &n_vocab) == HEARTH_OK); /* still the last logits */
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_decode(ctx, toks, 8) == HEARTH_OK); /* one batch longer than... fits exactly */
  CHECK_ERR(hearth_decode(ctx, toks, 9), HEARTH_ERR_CONTEXT_FULL);
  /* Idle: reported, and not kept for the next call. */
  CHECK_ERR(hearth_context_cancel(ctx), HEARTH_ERR_NOTHING_RUNNING);
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_decode(ctx, toks, 1) == HEARTH_OK);
  hearth_context_free(ctx);
}

typedef struct {
  int seen;
  int stop_after;
  hearth_token tokens[64];
} gen_state;

static int on_token(const hearth_generation_event* ev, void* user) {
  gen_state* st = (gen_state*)user;
  if (ev->struct_size < sizeof *ev || (ev->text_len > 0 && ev->text == NULL)) return 1;
  if (st->seen < 64) st->tokens[st->seen] = ev->token;
  ++st->seen;
  return st->stop_after > 0 && st->seen >= st->stop_after;
}

/* Every sampler stage on: seeded runs reproduce, a banned token never comes, another seed
 * differs; each out-of-range field is refused with a message naming it, before any decode. */
static void test_sampler_stages(hearth_context* ctx, hearth_generate_params* gp,
                                const hearth_token* prompt) {
  hearth_logit_bias bias[2] = {{432, -INFINITY}, {383, 0.5f}}; /* 432 = ",", stories' favourite */
  hearth_sampler_params sp;
  HEARTH_SAMPLER_PARAMS_INIT(&sp);
  sp.temperature = 0.9f;
  sp.top_k = 20;
  sp.top_p = 0.9f;
  sp.min_p = 0.02f;
  sp.typical_p = 0.95f;
  sp.repeat_penalty = 1.2f;
  sp.frequency_penalty = 0.2f;
  sp.presence_penalty = 0.1f;
  sp.penalty_last_n = 16;
  sp.seed = 7;
  sp.logit_bias = bias;
  sp.n_logit_bias = 2;
  gp->sampler = &sp;
  gp->max_tokens = 24;
  gen_state runs[3];
  memset(runs, 0, sizeof runs);
  for (int i = 0; i < 3; ++i) {
    if (i == 2) sp.seed = 8;
    gp->user_data = &runs[i];
    CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
    CHECK(hearth_generate(ctx, prompt, 3, gp, NULL) == HEARTH_OK);
    for (int t = 0; t < runs[i].seen && t < 64; ++t) CHECK(runs[i].tokens[t] != 432);
  }
  CHECK(runs[0].seen >= 4);
  CHECK(runs[0].seen == runs[1].seen &&
        memcmp(runs[0].tokens, runs[1].tokens, sizeof runs[0].tokens) == 0);
  CHECK(runs[0].seen != runs[2].seen ||
        memcmp(runs[0].tokens, runs[2].tokens, sizeof runs[0].tokens) != 0);
  struct {
    const char* field;
    int which;
    float value;
  } bad[] = {{"temperature", 0, -1.0f},
             {"temperature", 0, NAN},
             {"top_p", 1, 0.0f},
             {"top_p", 1, 1.5f},
             {"min_p", 2, -0.5f},
             {"min_p", 2, 2.0f},
             {"typical_p", 3, 0.0f},
             {"repeat_penalty", 4, 0.0f},
             {"frequency_penalty", 5, NAN},
             {"presence_penalty", 6, INFINITY}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    hearth_sampler_params b = sp;
    float* fields[] = {&b.temperature,     &b.top_p,          &b.min_p,
                       &b.typical_p,       &b.repeat_penalty, &b.frequency_penalty,
                       &b.presence_penalty};
    *fields[bad[i].which] = bad[i].value;
    gp->sampler = &b;
    CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
    CHECK_ERR(hearth_generate(ctx, prompt, 3, gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
    CHECK(strstr(hearth_last_error(), bad[i].field) != NULL);
    int32_t n_past = -1;
    CHECK(hearth_context_n_past(ctx, &n_past) == HEARTH_OK && n_past == 0);
  }
  hearth_sampler_params b = sp;
  gp->sampler = &b;
  b.top_k = -1;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(strstr(hearth_last_error(), "top_k") != NULL);
  b = sp;
  b.penalty_last_n = -2;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(strstr(hearth_last_error(), "penalty_last_n") != NULL);
  b = sp;
  hearth_logit_bias out_of_vocab = {512, 1.0f};
  b.logit_bias = &out_of_vocab;
  b.n_logit_bias = 1;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(strstr(hearth_last_error(), "logit_bias[0]") != NULL);
  b.logit_bias = NULL;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(strstr(hearth_last_error(), "logit_bias") != NULL);
  gp->sampler = NULL;
}

static void test_generate(hearth_model* m) {
  hearth_context_params p;
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  p.n_ctx = 128;
  hearth_context* ctx = NULL;
  if (hearth_context_new(m, &p, &ctx) != HEARTH_OK) {
    ++failures;
    return;
  }
  const hearth_token prompt[3] = {1, 400, 59};
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  CHECK(gp.struct_size == sizeof gp && gp.max_tokens == 256 && gp.sampler == NULL);
  gen_state st;
  memset(&st, 0, sizeof st);
  st.stop_after = 3;
  gp.on_token = on_token;
  gp.user_data = &st;
  gp.max_tokens = 20;
  hearth_generation_result r;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, &r), HEARTH_ERR_CANCELLED);
  CHECK(st.seen == 3);
  CHECK(r.n_generated == 3 && r.stop_reason == 3 && r.n_prompt_tokens == 3);
  /* Greedy, uncancelled, twice from scratch: the same tokens. */
  gen_state a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  gp.max_tokens = 10;
  gp.user_data = &a;
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_generate(ctx, prompt, 3, &gp, &r) == HEARTH_OK);
  CHECK(r.n_generated == a.seen && r.n_generated >= 1 && r.n_generated <= 10);
  CHECK(r.stop_reason == 0 || r.stop_reason == 1);
  gp.user_data = &b;
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_generate(ctx, prompt, 3, &gp, NULL) == HEARTH_OK);
  CHECK(a.seen == b.seen && memcmp(a.tokens, b.tokens, sizeof a.tokens) == 0);
  /* The first greedy token is the argmax of the prompt's logits. */
  const float* logits;
  int32_t n_vocab;
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_decode(ctx, prompt, 3) == HEARTH_OK);
  CHECK(hearth_logits(ctx, &logits, &n_vocab) == HEARTH_OK);
  int best = 0;
  for (int i = 1; i < n_vocab; ++i)
    if (logits[i] > logits[best]) best = i;
  CHECK(a.tokens[0] == best);
  /* Seeded sampling is reproducible. */
  hearth_sampler_params sp;
  HEARTH_SAMPLER_PARAMS_INIT(&sp);
  CHECK(sp.struct_size == sizeof sp && sp.top_k == 40);
  sp.seed = 42;
  gp.sampler = &sp;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  gp.user_data = &a;
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_generate(ctx, prompt, 3, &gp, NULL) == HEARTH_OK);
  gp.user_data = &b;
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK(hearth_generate(ctx, prompt, 3, &gp, NULL) == HEARTH_OK);
  CHECK(a.seen == b.seen && memcmp(a.tokens, b.tokens, sizeof a.tokens) == 0);
  sp.struct_size = 0;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  test_sampler_stages(ctx, &gp, prompt);
  gp.sampler = NULL;
  /* Bad params. */
  gp.max_tokens = -1;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  gp.max_tokens = 4;
  const char* stops[2] = {"x", NULL};
  gp.stop_strings = stops;
  gp.n_stop_strings = 2;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  gp.stop_strings = NULL;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  gp.n_stop_strings = 0;
  CHECK_ERR(hearth_generate(ctx, NULL, 3, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  gp.struct_size = 0;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 2;
  r.struct_size = 0;
  CHECK_ERR(hearth_generate(ctx, prompt, 3, &gp, &r), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_token out_of_vocab = 100000;
  CHECK(hearth_context_truncate(ctx, 0) == HEARTH_OK);
  CHECK_ERR(hearth_generate(ctx, &out_of_vocab, 1, &gp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_context_free(ctx);
}

static void test_tokenizer(hearth_model* m) {
  hearth_token bos = -2, eos = -2;
  CHECK(hearth_token_bos(m, &bos) == HEARTH_OK && bos == 1);
  CHECK(hearth_token_eos(m, &eos) == HEARTH_OK && eos == 2);
  int flag = -1;
  {
    CHECK(hearth_token_is_eog(m, 2, &flag) == HEARTH_OK && flag == 1);
    CHECK(hearth_token_is_eog(m, 300, &flag) == HEARTH_OK && flag == 0);
    CHECK_ERR(hearth_token_is_eog(m, 2, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  }
  const char* text = "Once upon a time";
  hearth_token toks[64];
  size_t n = 0, len = 0;
  char buf[128];
  {
    CHECK(hearth_tokenize(m, text, strlen(text), 1, 0, toks, 64, &n) == HEARTH_OK);
    CHECK(n > 2 && toks[0] == 1);
    size_t needed = 0;
    CHECK_ERR(hearth_tokenize(m, text, strlen(text), 1, 0, toks, 1, &needed),
              HEARTH_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == n);
    /* Size query: no buffer at all. */
    needed = 0;
    CHECK_ERR(hearth_tokenize(m, text, strlen(text), 1, 0, NULL, 0, &needed),
              HEARTH_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == n);
    /* Empty text: only BOS when add_special, nothing otherwise. */
    CHECK(hearth_tokenize(m, "", 0, 1, 0, toks, 64, &needed) == HEARTH_OK && needed == 1 &&
          toks[0] == 1);
    CHECK(hearth_tokenize(m, NULL, 0, 0, 0, toks, 64, &needed) == HEARTH_OK && needed == 0);
    CHECK(hearth_tokenize(m, text, strlen(text), 1, 0, toks, 64, &n) == HEARTH_OK);
    CHECK_ERR(hearth_tokenize(m, NULL, 3, 1, 0, toks, 64, &n), HEARTH_ERR_INVALID_ARGUMENT);
    CHECK_ERR(hearth_tokenize(m, text, strlen(text), 1, 0, toks, 64, NULL),
              HEARTH_ERR_INVALID_ARGUMENT);
    {
      CHECK(hearth_detokenize(m, toks, n, 1, buf, sizeof buf, &len) == HEARTH_OK);
      CHECK(len == strlen(text) && strcmp(buf, text) == 0);
      size_t need = 0;
      CHECK_ERR(hearth_detokenize(m, toks, n, 1, buf, 3, &need), HEARTH_ERR_BUFFER_TOO_SMALL);
      CHECK(need == strlen(text));
      CHECK_ERR(hearth_detokenize(m, NULL, 2, 1, buf, sizeof buf, &len),
                HEARTH_ERR_INVALID_ARGUMENT);
    }
  }
  {
    CHECK(hearth_token_to_piece(m, 300, buf, sizeof buf, &len) == HEARTH_OK && len > 0);
    size_t need = 0;
    CHECK_ERR(hearth_token_to_piece(m, 300, NULL, 0, &need), HEARTH_ERR_BUFFER_TOO_SMALL);
    CHECK(need == len);
    CHECK_ERR(hearth_token_to_piece(m, 300, buf, len, &need), HEARTH_ERR_BUFFER_TOO_SMALL);
    CHECK_ERR(hearth_token_to_piece(m, 300, buf, sizeof buf, NULL), HEARTH_ERR_INVALID_ARGUMENT);
    CHECK_ERR(hearth_token_to_piece(m, 512, buf, sizeof buf, &len), HEARTH_ERR_INVALID_ARGUMENT);
    CHECK_ERR(hearth_token_to_piece(m, -1, buf, sizeof buf, &len), HEARTH_ERR_INVALID_ARGUMENT);
  }
}

static void test_chat_and_session(hearth_model* m) {
  char buf[256];
  size_t len = 0;
  hearth_chat_message msgs[2] = {{"system", "Be brief."}, {"user", "Hi"}};
  const char* tmpl =
      "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}<assistant>{% endif %}";
  {
    CHECK(hearth_chat_template_apply(NULL, tmpl, msgs, 2, 1, "", "", buf, sizeof buf, &len) ==
          HEARTH_OK);
    CHECK(strcmp(buf, "<system>Be brief.<user>Hi<assistant>") == 0 && len == strlen(buf));
    size_t need = 0;
    CHECK_ERR(hearth_chat_template_apply(NULL, tmpl, msgs, 2, 1, "", "", buf, 4, &need),
              HEARTH_ERR_BUFFER_TOO_SMALL);
    CHECK(need == len);
    CHECK_ERR(
        hearth_chat_template_apply(NULL, "{% for %}", msgs, 2, 1, "", "", buf, sizeof buf, &len),
        HEARTH_ERR_TEMPLATE);
    CHECK_ERR(hearth_chat_template_apply(NULL, tmpl, NULL, 2, 1, "", "", buf, sizeof buf, &len),
              HEARTH_ERR_INVALID_ARGUMENT);
    /* The model has no tokenizer.chat_template: tmpl NULL renders the ChatML fallback. */
    CHECK(hearth_chat_template_apply(m, NULL, msgs, 2, 1, NULL, NULL, buf, sizeof buf, &len) ==
          HEARTH_OK);
    CHECK(strcmp(buf,
                 "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                 "<|im_start|>assistant\n") == 0);
    /* bos/eos NULL: the model's BOS/EOS token text; given: used as is; no model: "". */
    const char* specials = "{{ bos_token }}|{{ eos_token }}";
    CHECK(hearth_chat_template_apply(m, specials, msgs, 2, 0, NULL, NULL, buf, sizeof buf, &len) ==
          HEARTH_OK);
    CHECK(strcmp(buf, "<s>|</s>") == 0);
    CHECK(hearth_chat_template_apply(m, specials, msgs, 2, 0, "B", "E", buf, sizeof buf, &len) ==
          HEARTH_OK);
    CHECK(strcmp(buf, "B|E") == 0);
    CHECK(hearth_chat_template_apply(NULL, specials, msgs, 2, 0, NULL, NULL, buf, sizeof buf,
                                     &len) == HEARTH_OK);
    CHECK(strcmp(buf, "|") == 0 && len == 1);
    /* Unknown roles reach the template, which decides. */
    hearth_chat_message odd = {"narrator", "x"};
    CHECK(hearth_chat_template_apply(NULL, "{{ messages[0].role }}", &odd, 1, 0, "", "", buf,
                                     sizeof buf, &len) == HEARTH_OK);
    CHECK(strcmp(buf, "narrator") == 0);
    /* raise_exception: HEARTH_ERR_TEMPLATE with the template's message. */
    CHECK_ERR(hearth_chat_template_apply(NULL, "{{ raise_exception('no system role') }}", msgs, 2,
                                         0, "", "", buf, sizeof buf, &len),
              HEARTH_ERR_TEMPLATE);
    CHECK(strstr(hearth_last_error(), "no system role") != NULL);
    /* Invalid UTF-8 and NULL fields are refused. */
    hearth_chat_message bad = {"user", "caf\xc3"};
    CHECK_ERR(hearth_chat_template_apply(NULL, tmpl, &bad, 1, 0, "", "", buf, sizeof buf, &len),
              HEARTH_ERR_INVALID_ARGUMENT);
    CHECK(strstr(hearth_last_error(), "UTF-8") != NULL);
    hearth_chat_message no_role = {NULL, "x"};
    CHECK_ERR(hearth_chat_template_apply(NULL, tmpl, &no_role, 1, 0, "", "", buf, sizeof buf, &len),
              HEARTH_ERR_INVALID_ARGUMENT);
    CHECK_ERR(hearth_chat_template_apply(NULL, tmpl, msgs, 2, 0, "", "", buf, sizeof buf, NULL),
              HEARTH_ERR_INVALID_ARGUMENT);
    /* An empty conversation is fine. */
    CHECK(hearth_chat_template_apply(NULL, tmpl, NULL, 0, 1, "", "", buf, sizeof buf, &len) ==
          HEARTH_OK);
    CHECK(strcmp(buf, "<assistant>") == 0);
  }
  hearth_session_params sp;
  hearth_context_params cp;
  HEARTH_SESSION_PARAMS_INIT(&sp);
  HEARTH_CONTEXT_PARAMS_INIT(&cp);
  CHECK(sp.struct_size == sizeof sp && sp.context == NULL);
  cp.n_ctx = 256;
  sp.context = &cp;
  sp.chat_template = tmpl;
  hearth_session* s = NULL;
  sp.struct_size = 0;
  CHECK_ERR(hearth_session_new(m, &sp, &s), HEARTH_ERR_INVALID_ARGUMENT);
  sp.struct_size = sizeof sp;
  if (hearth_session_new(m, &sp, &s) != HEARTH_OK) {
    fprintf(stderr, "session_new: %s\n", hearth_last_error());
    ++failures;
    return;
  }
  CHECK(hearth_session_add_message(s, "user", "Once upon a time") == HEARTH_OK);
  CHECK_ERR(hearth_session_add_message(s, NULL, "x"), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_add_message(s, "user", NULL), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 8;
  gen_state st;
  memset(&st, 0, sizeof st);
  st.stop_after = 2;
  gp.on_token = on_token;
  gp.user_data = &st;
  CHECK_ERR(hearth_session_generate(s, &gp, NULL), HEARTH_ERR_CANCELLED);
  CHECK(st.seen == 2);
  gp.on_token = NULL;
  CHECK(hearth_session_add_message(s, "user", "And then?") == HEARTH_OK);
  CHECK(hearth_session_generate(s, &gp, NULL) == HEARTH_OK);
  CHECK_ERR(hearth_session_cancel(s), HEARTH_ERR_NOTHING_RUNNING);
  {
    CHECK_ERR(hearth_session_save(s, "/nonexistent/dir/s.bin"), HEARTH_ERR_IO);
    CHECK_ERR(hearth_session_load(s, "/nonexistent/s.bin"), HEARTH_ERR_IO);
    CHECK_ERR(hearth_session_save(s, NULL), HEARTH_ERR_INVALID_ARGUMENT);
    CHECK_ERR(hearth_session_load(s, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  }
  CHECK(hearth_session_reset(s) == HEARTH_OK);
  hearth_session_free(s);
}

/* Streams of a session reply: tokens and text. */
typedef struct {
  int seen;
  int stop_after;
  hearth_token tokens[64];
  char text[1024];
  size_t text_len;
} reply_state;

static int on_reply(const hearth_generation_event* ev, void* user) {
  reply_state* st = (reply_state*)user;
  if (ev->token >= 0) { /* token -1: the end-of-generation event that only releases text */
    if (st->seen < 64) st->tokens[st->seen] = ev->token;
    ++st->seen;
  }
  if (st->text_len + ev->text_len < sizeof st->text) {
    memcpy(st->text + st->text_len, ev->text, ev->text_len);
    st->text_len += ev->text_len;
    st->text[st->text_len] = 0;
  }
  return st->stop_after > 0 && st->seen >= st->stop_after;
}

static size_t tokenize_chatml(hearth_model* m, const char* text, hearth_token* out, size_t cap) {
  size_t n = 0;
  CHECK(hearth_tokenize(m, text, strlen(text), 1, 1, out, cap, &n) == HEARTH_OK);
  return n;
}

static size_t common_prefix(const hearth_token* a, size_t na, const hearth_token* b, size_t nb) {
  size_t i = 0;
  while (i < na && i < nb && a[i] == b[i]) ++i;
  return i;
}

/* Sessions with the model's template (stories260K has none: the ChatML fallback). */
static void test_session(hearth_model* m) {
  hearth_session_params sp;
  hearth_context_params cp;
  HEARTH_SESSION_PARAMS_INIT(&sp);
  HEARTH_CONTEXT_PARAMS_INIT(&cp);
  CHECK(sp.chat_template == NULL && sp.prompt_cache_bytes == 0 && sp.context == NULL &&
        cp.n_ctx == 2048);
  cp.n_ctx = 256;
  cp.struct_size = 0;
  sp.context = &cp;
  hearth_session* s = NULL;
  CHECK_ERR(hearth_session_new(m, &sp, &s), HEARTH_ERR_INVALID_ARGUMENT);
  cp.struct_size = sizeof cp;
  CHECK_ERR(hearth_session_new(m, &sp, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  if (hearth_session_new(m, &sp, &s) != HEARTH_OK) {
    fprintf(stderr, "session_new: %s\n", hearth_last_error());
    ++failures;
    return;
  }
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 8;
  gp.on_token = on_reply;
  reply_state st;
  memset(&st, 0, sizeof st);
  gp.user_data = &st;
  hearth_generation_result res;
  memset(&res, 0, sizeof res);
  res.struct_size = sizeof res;
  CHECK_ERR(hearth_session_generate(s, &gp, &res), HEARTH_ERR_INVALID_ARGUMENT); /* empty */
  CHECK_ERR(hearth_session_add_message(s, "bot", "x"), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_add_message(s, "user", "bad \xff utf-8"), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_session_add_message(s, NULL, NULL), HEARTH_ERR_INVALID_ARGUMENT);

  /* Turn 1: the whole prompt is evaluated. */
  const char* turn1 = "<|im_start|>user\nOnce upon a time<|im_end|>\n<|im_start|>assistant\n";
  hearth_token prompt1[256], full[256], cached[256];
  const size_t n1 = tokenize_chatml(m, turn1, prompt1, 256);
  CHECK(hearth_session_add_message(s, "user", "Once upon a time") == HEARTH_OK);
  CHECK(hearth_session_generate(s, &gp, &res) == HEARTH_OK);
  CHECK(res.n_prompt_tokens == (int32_t)n1);
  CHECK(res.n_generated == st.seen && res.n_generated > 0 && res.n_generated <= 8);
  /* The KV cache holds prompt1 and the generated tokens that were fed back. */
  memcpy(cached, prompt1, n1 * sizeof *prompt1);
  const size_t n_fed = res.stop_reason == 1 ? (size_t)st.seen - 1 : (size_t)st.seen;
  memcpy(cached + n1, st.tokens, n_fed * sizeof *cached);
  const size_t n_cached = n1 + n_fed;

  /* Turn 2: only what the KV cache does not hold yet is evaluated. */
  char turn2[2048];
  snprintf(turn2, sizeof turn2,
           "%s%s<|im_end|>\n<|im_start|>user\nAnd then?<|im_end|>\n<|im_start|>assistant\n", turn1,
           st.text);
  const size_t n2 = tokenize_chatml(m, turn2, full, 256);
  const size_t reused = common_prefix(cached, n_cached, full, n2);
  CHECK(reused >= n1 - 2);
  CHECK(hearth_session_add_message(s, "user", "And then?") == HEARTH_OK);
  memset(&st, 0, sizeof st);
  st.stop_after = 2; /* cancel mid-stream */
  CHECK_ERR(hearth_session_generate(s, &gp, &res), HEARTH_ERR_CANCELLED);
  CHECK(res.stop_reason == 3 && res.n_generated == 2 && st.seen == 2);
  CHECK(res.n_prompt_tokens == (int32_t)(n2 - reused));
  /* The cancelled reply was not appended: generating again reuses the whole prompt. */
  memset(&st, 0, sizeof st);
  CHECK(hearth_session_generate(s, &gp, &res) == HEARTH_OK);
  CHECK(res.n_prompt_tokens == 1);
  CHECK_ERR(hearth_session_cancel(s), HEARTH_ERR_NOTHING_RUNNING); /* and not kept */

  /* Save, load into a new session: the next reply is the same, with the same reuse. */
  char path[4200];
  const char* tmp = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/hearth_c_api_session_%d.bin", tmp ? tmp : "/tmp", (int)rand());
  CHECK(hearth_session_save(s, path) == HEARTH_OK);
  hearth_session* s2 = NULL;
  CHECK(hearth_session_new(m, &sp, &s2) == HEARTH_OK);
  if (s2) {
    CHECK(hearth_session_load(s2, path) == HEARTH_OK);
    CHECK(hearth_session_add_message(s, "user", "Why?") == HEARTH_OK);
    CHECK(hearth_session_add_message(s2, "user", "Why?") == HEARTH_OK);
    reply_state a, b;
    hearth_generation_result ra = res, rb = res;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    gp.user_data = &a;
    CHECK(hearth_session_generate(s, &gp, &ra) == HEARTH_OK);
    gp.user_data = &b;
    CHECK(hearth_session_generate(s2, &gp, &rb) == HEARTH_OK);
    CHECK(a.seen == b.seen && memcmp(a.tokens, b.tokens, sizeof a.tokens) == 0);
    /* The conversation is now longer than turn 2's prompt: fewer tokens means reuse. */
    CHECK(ra.n_prompt_tokens == rb.n_prompt_tokens && rb.n_prompt_tokens < (int32_t)n2);
    /* A damaged file is rejected and the session keeps its conversation. */
    FILE* f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
      fseek(f, 40, SEEK_SET);
      fputc(0x5a, f);
      fclose(f);
    }
    CHECK_ERR(hearth_session_load(s2, path), HEARTH_ERR_INVALID_MODEL);
    memset(&b, 0, sizeof b);
    gp.user_data = &b;
    CHECK(hearth_session_add_message(s2, "user", "Go on.") == HEARTH_OK);
    CHECK(hearth_session_generate(s2, &gp, &rb) == HEARTH_OK);
    /* The conversation and its KV cache are still there. */
    CHECK(rb.n_prompt_tokens > 0 && rb.n_prompt_tokens < (int32_t)n2);
    hearth_session_free(s2);
  }
  remove(path);
  CHECK(hearth_session_reset(s) == HEARTH_OK);
  CHECK_ERR(hearth_session_generate(s, &gp, &res), HEARTH_ERR_INVALID_ARGUMENT); /* empty again */
  hearth_session_free(s);
}

static void test_vocab_only(void) {
  hearth_model* m = load(1);
  if (!m) return;
  int32_t n = 0;
  CHECK(hearth_model_vocab_size(m, &n) == HEARTH_OK && n == 512);
  hearth_context* ctx = NULL;
  CHECK_ERR(hearth_context_new(m, NULL, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_model_free(m);
}

typedef struct {
  int calls;
  int cancel_at;
  uint64_t last_done, total;
} progress_state;

static int on_progress(uint64_t done, uint64_t total, void* user) {
  progress_state* st = (progress_state*)user;
  if (done > total || (st->calls > 0 && done < st->last_done)) return 1; /* must be monotone */
  st->last_done = done;
  st->total = total;
  return ++st->calls == st->cancel_at;
}

static void test_load_progress(void) {
  hearth_model_params mp;
  HEARTH_MODEL_PARAMS_INIT(&mp);
  progress_state st;
  memset(&st, 0, sizeof st);
  mp.progress = on_progress;
  mp.progress_user_data = &st;
  hearth_model* m = NULL;
  CHECK(hearth_model_load(model_path, &mp, &m) == HEARTH_OK);
  CHECK(st.calls >= 2 && st.last_done == st.total);
  hearth_model_free(m);
  m = (hearth_model*)0x1;
  memset(&st, 0, sizeof st);
  st.cancel_at = 2;
  CHECK_ERR(hearth_model_load(model_path, &mp, &m), HEARTH_ERR_CANCELLED);
  CHECK(st.calls == 2 && m == (hearth_model*)0x1);
  /* A caller from before `vocab_only` existed: the field is defaulted, weights load. */
  mp.progress = NULL;
  mp.vocab_only = 1;
  mp.struct_size = offsetof(hearth_model_params, vocab_only);
  m = NULL;
  CHECK(hearth_model_load(model_path, &mp, &m) == HEARTH_OK);
  hearth_context* ctx = NULL;
  CHECK(hearth_context_new(m, NULL, &ctx) == HEARTH_OK);
  hearth_context_free(ctx);
  hearth_model_free(m);
}

static void test_quantize(void) {
  char out[4200];
  const char* tmp = getenv("TMPDIR");
  snprintf(out, sizeof out, "%s/hearth_c_api_q8_%d.gguf", tmp ? tmp : "/tmp", (int)rand());
  CHECK_ERR(hearth_quantize(model_path, out, "q1_bogus", NULL, NULL), HEARTH_ERR_INVALID_ARGUMENT);
  CHECK_ERR(hearth_quantize("/nonexistent.gguf", out, "q8_0", NULL, NULL), HEARTH_ERR_IO);
  hearth_convert_params cp;
  HEARTH_CONVERT_PARAMS_INIT(&cp);
  cp.input = "/nonexistent/folder";
  cp.output = out;
  cp.type = "f16";
  hearth_status st = hearth_convert(&cp);
  CHECK(st != HEARTH_OK && strlen(hearth_last_error()) > 0);
}

int main(int argc, char** argv) {
  const char* data = argc > 1 ? argv[1] : getenv("HEARTH_TEST_DATA");
  if (!data) {
    fprintf(stderr, "test data folder not given: skipped\n");
    const char* ci = getenv("CI");
    return ci && strcmp(ci, "true") == 0 ? 1 : 0;
  }
  snprintf(model_path, sizeof model_path, "%s/models/real/stories260K.gguf", data);
  test_null_everywhere();
  hearth_model* m = load(0);
  if (m) {
    test_context_params(m);
    test_decode(m);
    test_generate(m);
    test_tokenizer(m);
    test_chat_and_session(m);
    test_session(m);
    hearth_model_free(m);
  }
  test_vocab_only();
  test_load_progress();
  test_quantize();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
