/* hearth — local LLM inference on CPUs. The stable C ABI (C11).
 *
 * Conventions (they hold for every function below unless its comment says otherwise):
 *  - Every fallible call returns a hearth_status; HEARTH_OK is 0. Results go to out-pointers,
 *    which are written only on success. On failure, hearth_last_error() returns a message
 *    for the calling thread, valid until that thread's next hearth call.
 *  - No C++ exception and no abort crosses this boundary; NULL handles and pointers are
 *    reported as HEARTH_ERR_INVALID_ARGUMENT.
 *  - Structs passed across the boundary begin with `size_t struct_size`, the size of the
 *    caller's struct (its header's sizeof). The library reads and writes only the bytes inside
 *    it: a caller built against an older header (a smaller struct) gets defaults for the fields
 *    it lacks, and a caller built against a newer header (a larger one) has its extra fields
 *    ignored. Parameter structs are filled with HEARTH_<X>_PARAMS_INIT(&p), which calls
 *    hearth_<x>_params_init(&p, sizeof p): it writes only those bytes (defaults, struct_size),
 *    then the caller changes fields. For output structs the caller sets struct_size itself.
 *    Structs never contain another params struct by value, only pointers to one, so each
 *    grows on its own.
 *  - Enumerations returned in int32_t fields (for a fixed layout) hold the named values of the
 *    enum their comment names; a newer library may add values, which callers should treat as
 *    "other".
 *  - Objects are opaque handles; each creator has a matching _free that accepts NULL.
 *  - Strings are UTF-8. Text results are written to caller buffers (buf, capacity, *out_len):
 *    *out_len receives the full length without the terminating NUL; if capacity is too small,
 *    HEARTH_ERR_BUFFER_TOO_SMALL is returned and nothing but *out_len is written.
 *  - Threads: a hearth_model is immutable after loading and may be shared by any number of
 *    threads and contexts. A hearth_context or hearth_session must be used by one thread at a
 *    time, except the _cancel functions, which any thread may call at any time.
 *  - Cancellation (hearth_context_cancel, hearth_session_cancel) is never lost: a cancel that
 *    arrives while a call on that object runs makes that call return HEARTH_ERR_CANCELLED; a
 *    cancel that arrives when no call runs is not kept for a later call, and the cancel
 *    function returns HEARTH_ERR_NOTHING_RUNNING instead ("nothing was running"). A cancel
 *    that races with a call's start therefore either cancels that call or reports that nothing
 *    was running.
 *  - The library never writes to stdout or stderr; diagnostics go to the callback set with
 *    hearth_log_set (none by default).
 */
#ifndef HEARTH_H
#define HEARTH_H

#include <stddef.h>
#include <stdint.h>

#if defined(HEARTH_STATIC)
#define HEARTH_API
#elif defined(_WIN32) && defined(HEARTH_BUILDING_LIBRARY)
#define HEARTH_API __declspec(dllexport) /* hearth.dll exports exactly these */
#elif defined(_WIN32)
#define HEARTH_API __declspec(dllimport) /* MSVC and MinGW alike */
#elif defined(HEARTH_BUILDING_LIBRARY) && defined(__GNUC__)
#define HEARTH_API __attribute__((visibility("default")))
#else
#define HEARTH_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- version, errors, system */

#define HEARTH_VERSION_MAJOR 0
#define HEARTH_VERSION_MINOR 1
#define HEARTH_VERSION_PATCH 0
#define HEARTH_VERSION_NUMBER \
  (HEARTH_VERSION_MAJOR * 10000 + HEARTH_VERSION_MINOR * 100 + HEARTH_VERSION_PATCH)

typedef enum hearth_status {
  HEARTH_OK = 0,
  HEARTH_ERR_INVALID_ARGUMENT = 1, /* NULL handle, out-of-range or inconsistent parameter */
  HEARTH_ERR_IO = 2,               /* a file could not be opened, read or written */
  HEARTH_ERR_INVALID_MODEL = 3,    /* corrupt, truncated or inconsistent model/session file */
  HEARTH_ERR_UNSUPPORTED = 4,      /* valid input hearth does not implement */
  HEARTH_ERR_OUT_OF_MEMORY = 5,
  HEARTH_ERR_CONTEXT_FULL = 6, /* the KV cache has no room for the tokens */
  HEARTH_ERR_CANCELLED = 7,    /* stopped by a callback or hearth_*_cancel() */
  HEARTH_ERR_INTERNAL = 8,     /* a bug in hearth: please report it */
  HEARTH_ERR_TEMPLATE = 9,     /* a chat template failed to parse or raised an error */
  HEARTH_ERR_BUFFER_TOO_SMALL = 10,
  HEARTH_ERR_NOTHING_RUNNING = 11, /* a _cancel found no call running on the object */
  HEARTH_ERR_CONTENT_FILTERED = 12 /* the content-safety filter blocked the input */
} hearth_status;

/* "0.1.0". Static storage; thread-safe. */
HEARTH_API const char* hearth_version(void);
/* The last error message of the calling thread ("" if none). Thread-local storage. */
HEARTH_API const char* hearth_last_error(void);
/* A short English name of a status code. Static storage; thread-safe. */
HEARTH_API const char* hearth_status_string(hearth_status status);
typedef enum hearth_log_level {
  HEARTH_LOG_DEBUG = 0,
  HEARTH_LOG_INFO = 1,
  HEARTH_LOG_WARN = 2,
  HEARTH_LOG_ERROR = 3
} hearth_log_level;
/* Receives one message (UTF-8, no trailing newline, valid during the call). It may run on any
 * thread, including the library's worker and engine threads, concurrently with itself; it must
 * not call back into hearth. */
typedef void (*hearth_log_fn)(hearth_log_level level, const char* message, void* user_data);
/* Sets the process-wide log callback (NULL: silent, the default). Thread-safe: a message being
 * delivered may still reach the previous callback while this call runs, never afterwards. */
HEARTH_API void hearth_log_set(hearth_log_fn callback, void* user_data);

/* One line describing the CPU features hearth detected and the kernels it uses.
 * Static storage; thread-safe. */
HEARTH_API const char* hearth_system_info(void);

typedef struct hearth_cpu_info {
  size_t struct_size;
  int avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512_vnni, avx512_bf16, avx_vnni, amx_int8;
  int logical_cores;
  int isa_level; /* hearth_isa_level: the kernels in use (after HEARTH_FORCE_ISA) */
  /* AArch64 (0 elsewhere): Advanced SIMD, sdot/udot, smmla, FP16 and BF16 arithmetic, SVE (from
   * getauxval on Linux, sysctl on macOS). Appended last: a caller built with the smaller struct
   * that ended at isa_level passes its own struct_size and is never written past it. */
  int neon, neon_dotprod, neon_i8mm, neon_fp16, neon_bf16, sve;
} hearth_cpu_info;
typedef enum hearth_isa_level {
  HEARTH_ISA_SCALAR = 0,
  HEARTH_ISA_AVX2 = 1,
  HEARTH_ISA_AVX512 = 2,
  HEARTH_ISA_AVXVNNI = 3,
  HEARTH_ISA_NEON = 4,         /* AArch64 Advanced SIMD */
  HEARTH_ISA_NEON_DOTPROD = 5, /* + sdot/udot */
  HEARTH_ISA_NEON_I8MM = 6     /* + smmla */
} hearth_isa_level;
/* Fills *out (set out->struct_size first, or use sizeof). Thread-safe. */
HEARTH_API hearth_status hearth_cpu_info_get(hearth_cpu_info* out);

/* ---------------------------------------------------------------- models */

typedef struct hearth_model hearth_model;

/* Called during long work with done <= total (bytes or steps); return non-zero to cancel. */
typedef int (*hearth_progress_fn)(uint64_t done, uint64_t total, void* user_data);

typedef struct hearth_model_params {
  size_t struct_size;
  hearth_progress_fn progress; /* optional */
  void* progress_user_data;
  int vocab_only; /* non-zero: load metadata and tokenizer only, no weights needed */
  /* A directory (UTF-8) for a cache of the weights hearth repacks at load (hundreds of MB for
   * a 0.5B model), created if absent (its parent must exist); NULL or "" (the default): the
   * environment's HEARTH_REPACK_CACHE, else no cache. A later load of the same unchanged file
   * maps its cache file read-only instead of repacking. Each file is checked against the
   * model (path, size, mtime, inode, tensor layout) and ignored (rewritten) when it does not
   * match; writing is best effort (a read-only or full disk logs a warning through
   * hearth_log_set and loads without it). The directory must be yours and writable by no one
   * else (one hearth creates is 0700): a directory others can write in is not used (warning),
   * since a file planted there would be trusted. Read during hearth_model_load only. POSIX only:
   * accepted and ignored on Windows. Appended: older callers' structs end before it. */
  const char* repack_cache;
} hearth_model_params;

HEARTH_API hearth_status hearth_model_params_init(hearth_model_params* params, size_t size);
#define HEARTH_MODEL_PARAMS_INIT(p) hearth_model_params_init((p), sizeof *(p))
/* Maps and validates a GGUF file. params may be NULL for defaults. *out_model owns the mapping;
 * free it with hearth_model_free() after every context/session using it is freed. The progress
 * callback (called on the loading thread) may cancel: HEARTH_ERR_CANCELLED. */
HEARTH_API hearth_status hearth_model_load(const char* path, const hearth_model_params* params,
                                           hearth_model** out_model);
/* Not thread-safe against other calls using the same model (free it last). */
HEARTH_API void hearth_model_free(hearth_model* model);

/* Metadata queries. Returned strings live as long as the model. Thread-safe. */
HEARTH_API hearth_status hearth_model_architecture(const hearth_model* model, const char** out);
HEARTH_API hearth_status hearth_model_file_type(const hearth_model* model, const char** out);
HEARTH_API hearth_status hearth_model_n_params(const hearth_model* model, uint64_t* out);
HEARTH_API hearth_status hearth_model_context_length(const hearth_model* model, int32_t* out);
HEARTH_API hearth_status hearth_model_vocab_size(const hearth_model* model, int32_t* out);
HEARTH_API hearth_status hearth_model_tensor_count(const hearth_model* model, int64_t* out);
HEARTH_API hearth_status hearth_model_meta_count(const hearth_model* model, int64_t* out);
/* The key of metadata entry `index` (file order). */
HEARTH_API hearth_status hearth_model_meta_key(const hearth_model* model, int64_t index,
                                               const char** out);
/* Any metadata value rendered as text (arrays abbreviated); HEARTH_ERR_INVALID_ARGUMENT if the
 * key is absent. Buffer convention above. */
HEARTH_API hearth_status hearth_model_meta_string(const hearth_model* model, const char* key,
                                                  char* buf, size_t capacity, size_t* out_len);

/* ---------------------------------------------------------------- tokenizer */

typedef int32_t hearth_token;

/* Text -> ids. add_special: add BOS/EOS as the model's metadata asks. parse_special: treat
 * special-token text such as "<|im_start|>" as those tokens. Invalid UTF-8 bytes are encoded
 * as U+FFFD. If capacity is too small, returns HEARTH_ERR_BUFFER_TOO_SMALL and *n_tokens is the
 * count needed. Thread-safe (the model is read-only). */
HEARTH_API hearth_status hearth_tokenize(const hearth_model* model, const char* text,
                                         size_t text_len, int add_special, int parse_special,
                                         hearth_token* tokens, size_t capacity, size_t* n_tokens);
/* Ids -> text. remove_special: drop BOS/EOS and other control tokens from the text. */
HEARTH_API hearth_status hearth_detokenize(const hearth_model* model, const hearth_token* tokens,
                                           size_t n_tokens, int remove_special, char* buf,
                                           size_t capacity, size_t* out_len);
/* The raw bytes of one token (may be part of a UTF-8 sequence). */
HEARTH_API hearth_status hearth_token_to_piece(const hearth_model* model, hearth_token token,
                                               char* buf, size_t capacity, size_t* out_len);
/* Special tokens; -1 when the model has none. */
HEARTH_API hearth_status hearth_token_bos(const hearth_model* model, hearth_token* out);
HEARTH_API hearth_status hearth_token_eos(const hearth_model* model, hearth_token* out);
/* *out = 1 if `token` ends generation (eos, eot, eom, template-specific end tokens). */
HEARTH_API hearth_status hearth_token_is_eog(const hearth_model* model, hearth_token token,
                                             int* out);

/* ---------------------------------------------------------------- contexts (KV cache) */

typedef struct hearth_context hearth_context;

typedef struct hearth_context_params {
  size_t struct_size;
  int32_t n_ctx;     /* KV cache length in tokens; default 2048 (capped at the model's) */
  int32_t n_threads; /* 0: one per core */
  int32_t n_batch;   /* tokens evaluated per forward pass during prefill; default 512 */
} hearth_context_params;

HEARTH_API hearth_status hearth_context_params_init(hearth_context_params* params, size_t size);
#define HEARTH_CONTEXT_PARAMS_INIT(p) hearth_context_params_init((p), sizeof *(p))
/* The context keeps a reference to the model; free the context before the model. */
HEARTH_API hearth_status hearth_context_new(const hearth_model* model,
                                            const hearth_context_params* params,
                                            hearth_context** out_ctx);
/* Not while another thread uses ctx (including hearth_context_cancel). */
HEARTH_API void hearth_context_free(hearth_context* ctx);
HEARTH_API hearth_status hearth_context_set_threads(hearth_context* ctx, int32_t n_threads);
/* Tokens held in the KV cache. */
HEARTH_API hearth_status hearth_context_n_past(const hearth_context* ctx, int32_t* out);
/* Forgets the KV cache from position n_keep on (0 clears it). */
HEARTH_API hearth_status hearth_context_truncate(hearth_context* ctx, int32_t n_keep);
/* Appends tokens to the sequence and evaluates them. n_tokens must be > 0 and every token in
 * [0, n_vocab) (else HEARTH_ERR_INVALID_ARGUMENT). HEARTH_ERR_CONTEXT_FULL leaves the context
 * unchanged. */
HEARTH_API hearth_status hearth_decode(hearth_context* ctx, const hearth_token* tokens,
                                       size_t n_tokens);
/* Logits after the last decoded token: *out points to n_vocab floats owned by the context,
 * valid until the next call on it. HEARTH_ERR_INVALID_ARGUMENT if nothing was decoded since the
 * context was created or truncated. */
HEARTH_API hearth_status hearth_logits(hearth_context* ctx, const float** out, int32_t* n_vocab);

/* ---------------------------------------------------------------- sampling and generation */

typedef struct hearth_logit_bias {
  hearth_token token;
  float bias; /* added to the logit; -INFINITY bans the token */
} hearth_logit_bias;

/* Applied in this order: logit bias, penalties, top-k, typical-p, top-p, min-p, temperature,
 * then a draw with the seeded generator. temperature 0 means greedy (the largest logit left
 * after the stages; no draw). Top-k/typical-p/top-p/min-p use probabilities at temperature 1.
 * Penalties (llama.cpp semantics), for each token seen c > 0 times in the last penalty_last_n
 * tokens of the history (the prompt given to hearth_generate, then the generated tokens):
 *   logit = logit > 0 ? logit / repeat_penalty : logit * repeat_penalty;
 *   logit -= c * frequency_penalty + presence_penalty.
 * Top-p keeps the fewest most likely tokens whose probability reaches top_p; min-p keeps tokens
 * with p >= min_p * max p; typical-p keeps the tokens closest to the entropy (|-log p - H|)
 * until their probability reaches typical_p. The same seed and inputs give the same tokens on
 * every thread count and platform. Out-of-range values make hearth_generate return
 * HEARTH_ERR_INVALID_ARGUMENT with a message naming the field (nothing is decoded). */
typedef struct hearth_sampler_params {
  size_t struct_size;
  float temperature;        /* default 0.8; 0 = greedy; must be >= 0 */
  int32_t top_k;            /* default 40; 0 = off; must be >= 0 */
  float top_p;              /* default 0.95; 1 = off; in (0, 1] */
  float min_p;              /* default 0.05; 0 = off; in [0, 1] */
  float typical_p;          /* default 1 = off; in (0, 1] */
  float repeat_penalty;     /* default 1 = off; must be > 0 */
  float frequency_penalty;  /* default 0 */
  float presence_penalty;   /* default 0 */
  int32_t penalty_last_n;   /* default 64 tokens; 0 = penalties off; -1 = the whole history */
  uint64_t seed;            /* default 0xFFFFFFFF... = random */
  const hearth_logit_bias* logit_bias; /* tokens in the vocabulary; a token's biases add up */
  size_t n_logit_bias;
  /* Structured output (docs/tools.md, docs/sampling.md): the reply must match a GBNF grammar
   * (llama.cpp's syntax, start rule `root`) or the JSON texts valid against a JSON Schema
   * (converted to GBNF; unsupported keywords are an error naming them, never ignored). At most
   * one of the two; NULL or "" (default): unconstrained. Tokens the grammar does not allow next
   * are banned before every other stage, and end-of-generation is allowed exactly when the
   * grammar can end. An invalid grammar or schema makes the call that takes these params return
   * HEARTH_ERR_INVALID_ARGUMENT with the parser's message. The strings are read during that
   * call only (copied). */
  const char* grammar;
  const char* json_schema;
} hearth_sampler_params;

HEARTH_API hearth_status hearth_sampler_params_init(hearth_sampler_params* params, size_t size);
#define HEARTH_SAMPLER_PARAMS_INIT(p) hearth_sampler_params_init((p), sizeof *(p))

/* One streamed step. `text` holds complete UTF-8 only (may be empty while a multi-byte
 * character or a possible stop string is pending). Valid during the callback only. Text held
 * back when generation ends is released: with the last token at max_tokens / a full context,
 * or, at an end-of-generation token, in one extra event with token -1 (its return value is
 * ignored). At a stop string or a cancel, held-back text is dropped. */
typedef struct hearth_generation_event {
  size_t struct_size;
  hearth_token token;
  const char* text;
  size_t text_len;
} hearth_generation_event;

/* Return non-zero to stop generating (the call then returns HEARTH_ERR_CANCELLED). */
typedef int (*hearth_token_callback)(const hearth_generation_event* event, void* user_data);

typedef struct hearth_generate_params {
  size_t struct_size;
  int32_t max_tokens; /* default 256 */
  const hearth_sampler_params* sampler; /* NULL: greedy */
  const char* const* stop_strings;      /* not emitted; matched across token boundaries */
  size_t n_stop_strings;
  hearth_token_callback on_token; /* optional */
  void* user_data;
  /* Tool calling, hearth_session_generate only (hearth_generate, which has no conversation,
   * returns HEARTH_ERR_INVALID_ARGUMENT when tools_json is set). tools_json: OpenAI's `tools`
   * array ([{"type": "function", "function": {"name", "description", "parameters"}}]); NULL
   * (default): no tools. tool_choice: NULL or "auto" (default: the model decides; a call it
   * opens is kept valid by a grammar), "none" (tools left out), "required" (the reply is one or
   * more calls), a function's name (the reply calls it), or OpenAI's JSON form
   * ({"type": "function", "function": {"name": ...}}). The session's chat template receives the
   * tools (its `tools` variable; the Hermes tool prompt in the system message when it takes
   * none) and calls are read in the format it shows (Hermes/Qwen, Llama 3.x, Mistral, generic
   * JSON), as the server does; the calls of the last reply come back through
   * hearth_session_tool_calls and are rendered by the template on the next turn, with the
   * "tool" results added after them. A tools grammar cannot be combined
   * with sampler->grammar / json_schema. Both strings are read during the call only. */
  const char* tools_json;
  const char* tool_choice;
  /* 0 (default): a reply may hold up to 8 calls (OpenAI's parallel_tool_calls); 1: at most one
   * call per reply. Other values: HEARTH_ERR_INVALID_ARGUMENT. */
  int32_t max_tool_calls;
} hearth_generate_params;

typedef struct hearth_generation_result {
  size_t struct_size;
  int32_t n_prompt_tokens;    /* tokens evaluated for the prompt (after prefix reuse) */
  int32_t n_generated;
  int32_t stop_reason;        /* hearth_stop_reason */
  double time_to_first_token_ms;
  double prompt_tokens_per_s;
  double gen_tokens_per_s;
} hearth_generation_result;

typedef enum hearth_stop_reason {
  HEARTH_STOP_EOG = 0,        /* an end-of-generation token */
  HEARTH_STOP_MAX_TOKENS = 1, /* max_tokens, or the context is full */
  HEARTH_STOP_STRING = 2,     /* a stop string */
  HEARTH_STOP_CANCELLED = 3   /* the callback or hearth_*_cancel */
} hearth_stop_reason;

HEARTH_API hearth_status hearth_generate_params_init(hearth_generate_params* params, size_t size);
#define HEARTH_GENERATE_PARAMS_INIT(p) hearth_generate_params_init((p), sizeof *(p))
/* Decodes `prompt` (appended to what the context holds) and generates. result may be NULL; it
 * is also filled when the call returns HEARTH_ERR_CANCELLED (stop_reason 3). on_token runs on
 * the calling thread; it must not call hearth functions on this context. */
HEARTH_API hearth_status hearth_generate(hearth_context* ctx, const hearth_token* prompt,
                                         size_t n_prompt, const hearth_generate_params* params,
                                         hearth_generation_result* result);
/* Asks the hearth_decode / hearth_generate / hearth_session_generate running on ctx to stop
 * (it returns HEARTH_ERR_CANCELLED). Any thread. HEARTH_ERR_NOTHING_RUNNING when no such call
 * was running (the cancel is then dropped, not kept for the next call). */
HEARTH_API hearth_status hearth_context_cancel(hearth_context* ctx);

/* ---------------------------------------------------------------- chat templates and sessions */

typedef struct hearth_chat_message {
  const char* role; /* "system", "user", "assistant", "tool" */
  const char* content;
} hearth_chat_message;

/* Renders a Jinja chat template. tmpl NULL: the model's tokenizer.chat_template (model may be NULL
 * when tmpl is given); a model without one renders ChatML. bos/eos NULL: the model's tokens (or
 * ""). Roles are passed to the template as given. Every string must be valid UTF-8, else
 * HEARTH_ERR_INVALID_ARGUMENT. Template errors return HEARTH_ERR_TEMPLATE with the message in
 * hearth_last_error(). Thread-safe. See docs/templates.md. */
HEARTH_API hearth_status hearth_chat_template_apply(const hearth_model* model, const char* tmpl,
                                                    const hearth_chat_message* messages,
                                                    size_t n_messages, int add_generation_prompt,
                                                    const char* bos, const char* eos, char* buf,
                                                    size_t capacity, size_t* out_len);

typedef struct hearth_session hearth_session;

typedef struct hearth_session_params {
  size_t struct_size;
  const hearth_context_params* context; /* NULL: the defaults of hearth_context_params_init */
  const char* chat_template;    /* NULL: the model's */
  size_t prompt_cache_bytes;    /* LRU cache of other conversations' KV state; 0 = off */
} hearth_session_params;

HEARTH_API hearth_status hearth_session_params_init(hearth_session_params* params, size_t size);
#define HEARTH_SESSION_PARAMS_INIT(p) hearth_session_params_init((p), sizeof *(p))
HEARTH_API hearth_status hearth_session_new(const hearth_model* model,
                                            const hearth_session_params* params,
                                            hearth_session** out);
HEARTH_API void hearth_session_free(hearth_session* session);
/* role: "system", "user", "assistant" or "tool"; content: valid UTF-8. Anything else is
 * HEARTH_ERR_INVALID_ARGUMENT and the conversation is unchanged. */
HEARTH_API hearth_status hearth_session_add_message(hearth_session* session, const char* role,
                                                    const char* content);
/* Renders the conversation, evaluates only the tokens not already in the KV cache, generates
 * the assistant's reply (appended to the conversation) and streams it to params->on_token.
 * result->n_prompt_tokens counts the prompt tokens evaluated after prefix reuse. A cancelled
 * reply (callback or hearth_session_cancel) returns HEARTH_ERR_CANCELLED, fills result and is NOT
 * appended: the conversation stays as it was. HEARTH_ERR_INVALID_ARGUMENT for an empty
 * conversation; HEARTH_ERR_CONTEXT_FULL when it does not fit n_ctx (nothing changes). */
HEARTH_API hearth_status hearth_session_generate(hearth_session* session,
                                                 const hearth_generate_params* params,
                                                 hearth_generation_result* result);
/* The tool calls of the session's last hearth_session_generate, as an OpenAI `tool_calls` JSON
 * array ([{"id": "call_...", "type": "function", "function": {"name": "f", "arguments": "{...}"}}],
 * arguments a JSON text in a string, as OpenAI gives them), "[]" when that reply called no tool
 * or was generated without tools (buffer convention). A reply with calls is kept in the
 * conversation as an assistant turn holding them; answer each with
 * hearth_session_add_message(session, "tool", result) before the next generate. Same thread
 * rules as hearth_session_generate. */
HEARTH_API hearth_status hearth_session_tool_calls(const hearth_session* session, char* buf,
                                                   size_t capacity, size_t* out_len);
/* As hearth_context_cancel, for hearth_session_generate. */
HEARTH_API hearth_status hearth_session_cancel(hearth_session* session);
/* Empties the conversation. The KV cache is kept (a next conversation reuses the prefix it
 * shares) and, with prompt_cache_bytes, the old conversation's KV state joins the cache. */
HEARTH_API hearth_status hearth_session_reset(hearth_session* session);
/* Writes the conversation (with its tool calls and tool results) and its KV cache (versioned,
 * checksummed, tied to the model) to path atomically (a temporary file renamed over path).
 * Files of earlier format versions still load. */
HEARTH_API hearth_status hearth_session_save(const hearth_session* session, const char* path);
/* Replaces the conversation and KV cache with a saved session's. The whole file is validated
 * first: a corrupt or truncated file, or one saved with another model, gives
 * HEARTH_ERR_INVALID_MODEL and leaves the session unchanged (HEARTH_ERR_IO: unreadable;
 * HEARTH_ERR_CONTEXT_FULL: it holds more tokens than n_ctx). */
HEARTH_API hearth_status hearth_session_load(hearth_session* session, const char* path);

/* ---------------------------------------------------------------- content-safety filter
 * A rule set (terms, substrings and regular expressions per category, matched on a normalised
 * view of the text: case, width, accents, invisible characters, look-alike letters) at a level.
 * Check user messages with hearth_filter_check; screen replies by passing the filter in
 * hearth_request_params. Threads: a filter is immutable; every call may run concurrently from
 * any thread, except hearth_filter_free. */
typedef struct hearth_filter hearth_filter;

typedef enum hearth_safety_level {
  HEARTH_SAFETY_OFF = 0, /* the rules never match (a filter that passes everything) */
  HEARTH_SAFETY_STANDARD = 1,
  HEARTH_SAFETY_STRICT = 2 /* standard's rules plus those marked strict */
} hearth_safety_level;

typedef struct hearth_filter_params {
  size_t struct_size;
  int32_t level;          /* hearth_safety_level; default HEARTH_SAFETY_STANDARD */
  const char* rules_path; /* a rule file (UTF-8 path) ... */
  const char* rules_text; /* ... or the rules themselves (NUL-terminated); exactly one */
} hearth_filter_params;

/* HEARTH_ERR_INVALID_ARGUMENT when params is NULL or size < sizeof(size_t). */
HEARTH_API hearth_status hearth_filter_params_init(hearth_filter_params* params, size_t size);
#define HEARTH_FILTER_PARAMS_INIT(p) hearth_filter_params_init((p), sizeof *(p))
/* A new filter owned by the caller (hearth_filter_free). HEARTH_ERR_IO: the rule file cannot be
 * read; HEARTH_ERR_INVALID_ARGUMENT: a malformed rule ("FILE:LINE: why" in hearth_last_error), a
 * bad level, or neither/both of rules_path and rules_text. */
HEARTH_API hearth_status hearth_filter_create(const hearth_filter_params* params,
                                              hearth_filter** out_filter);
/* Checks a whole text (a user message). *out_blocked = 1 when a rule matches, and the rule's
 * category is copied to category (buffer convention: HEARTH_ERR_BUFFER_TOO_SMALL with *out_len
 * set when it does not fit; *out_blocked is set either way); *out_blocked = 0 and *out_len = 0
 * otherwise. HEARTH_ERR_INVALID_ARGUMENT for invalid UTF-8. */
HEARTH_API hearth_status hearth_filter_check(const hearth_filter* filter, const char* text,
                                             size_t text_len, int* out_blocked, char* category,
                                             size_t capacity, size_t* out_len);
/* Releases the caller's reference; requests that use the filter keep theirs. NULL is a no-op. */
HEARTH_API void hearth_filter_free(hearth_filter* filter);

/* ---------------------------------------------------------------- engine (continuous batching)
 *
 * A hearth_engine serves many generation requests at once over one model: one paged KV pool
 * (blocks of 16 tokens) and one step loop on its own thread. Each step decodes one token for
 * every running request and fills the rest of a token budget with chunks of waiting prompts;
 * every weight matmul runs once over all of the step's tokens. Requests are admitted first come,
 * first served; when the pool runs out, the newest running request is preempted and later
 * recomputed (same tokens, same bits). Full blocks of a common prompt prefix are shared between
 * requests of the same tenant and kept cached (least recently used evicted first) after use.
 * A request's tokens and logits are bit-identical to what a hearth_context would give it alone.
 *
 * Params structs follow the size-safe convention at the top of this file
 * (HEARTH_ENGINE_PARAMS_INIT, HEARTH_REQUEST_PARAMS_INIT).
 *
 * Threads: every function below may be called from any thread, concurrently, except the _free
 * functions (no other call on that handle may run or follow). Callbacks run on the engine's
 * thread, never holding the engine's lock: they may submit or cancel, and must return quickly
 * (a slow callback stalls every request). */

typedef struct hearth_engine hearth_engine;
typedef struct hearth_request hearth_request;

typedef struct hearth_engine_params {
  size_t struct_size;
  int32_t n_ctx;        /* longest request (prompt + generated); default 2048, capped at the model's */
  int32_t n_threads;    /* 0 (default): one per core */
  int32_t kv_blocks;    /* pool size in 16-token blocks; 0 (default): 4 requests of n_ctx */
  int32_t max_running;  /* requests decoding or prefilling at once; default 16; > 0 */
  int32_t token_budget; /* tokens per step; default 512; >= max_running */
  /* While requests stream, a step that also runs a chunk of a new prompt is sized to take at
   * most this many times a decode-only step (measured as the engine runs), so a long prompt
   * never stalls the streams; default 2.5; 0: chunks limited by token_budget only; else >= 1.5 */
  double max_decode_stall;
} hearth_engine_params;

typedef enum hearth_finish_reason {
  HEARTH_FINISH_NONE = -1,     /* still queued or running */
  HEARTH_FINISH_STOP = 0,      /* end-of-generation token or a stop string */
  HEARTH_FINISH_LENGTH = 1,    /* max_tokens, n_ctx, or a pool too small for the request alone */
  HEARTH_FINISH_CANCELLED = 2, /* hearth_request_cancel / _free, or the engine was freed */
  HEARTH_FINISH_DEADLINE = 3,  /* deadline_ms passed */
  HEARTH_FINISH_ERROR = 4,     /* an internal failure while it ran */
  HEARTH_FINISH_CONTENT_FILTER = 5 /* the request's filter blocked the reply (see filter_category) */
} hearth_finish_reason;

/* One piece of streamed text: complete UTF-8, never part of a stop string. token is the token
 * that completed it, or -1 for text released at an end-of-generation token. text is valid during
 * the call only. Runs on the engine thread. */
typedef void (*hearth_piece_fn)(const char* text, size_t text_len, hearth_token token,
                                void* user_data);

typedef struct hearth_request_params {
  size_t struct_size;
  const hearth_token* tokens; /* the prompt as token ids ... */
  size_t n_tokens;
  const char* prompt;         /* ... or as UTF-8 text (tokenized with the model's BOS); one of two */
  size_t prompt_len;
  int32_t max_tokens;         /* default 256; > 0 */
  const hearth_sampler_params* sampler; /* NULL: greedy; its own seed per request */
  const char* const* stop_strings;
  size_t n_stop_strings;
  const char* tenant;   /* cache-isolation key; NULL = "": blocks are shared within a tenant only */
  double deadline_ms;   /* from submit; 0 (default): none; >= 0 */
  hearth_piece_fn on_piece; /* NULL: pull the text with hearth_request_next */
  void* user_data;
  /* ... or as a conversation, rendered with the model's chat template (ChatML when it has
   * none) plus the assistant prompt, tokenized as hearth_session_generate does. */
  const hearth_chat_message* messages;
  size_t n_messages;
  /* Optional content filter (hearth_filter_create): user messages (or the prompt) are checked at
   * submit (HEARTH_ERR_CONTENT_FILTERED, nothing queued, the category in hearth_last_error), and
   * the reply is screened as it streams: text that could begin a banned phrase is held back, and
   * a match ends the request with HEARTH_FINISH_CONTENT_FILTER before any of it is delivered.
   * The request keeps its own reference: the filter may be freed while it runs. */
  const struct hearth_filter* filter;
  /* Tool calling (docs/tools.md), with `messages` only: tools_json and tool_choice as in
   * hearth_generate_params. The tools reach the model through its chat template (or a system
   * message when the template takes none), in the format the template shows (Hermes, Llama 3,
   * Mistral, generic JSON); a grammar keeps calls valid (tool_choice "required" / a name: from
   * the first token; "auto": once the model opens a call). HEARTH_ERR_INVALID_ARGUMENT at
   * submit for a malformed tools array, an unknown tool_choice, parameters the schema converter
   * cannot enforce with a forced choice, or together with sampler->grammar / json_schema. Read
   * the parsed calls with hearth_request_tool_calls once the request finished. max_tool_calls:
   * as in hearth_generate_params. */
  const char* tools_json;
  const char* tool_choice;
  int32_t max_tool_calls;
  /* ... or the conversation as OpenAI's `messages` JSON array (UTF-8): what `messages` cannot
   * carry, an assistant turn's "tool_calls" (arguments as JSON text, as hearth_request_tool_calls
   * returns them) and a "tool" result's "tool_call_id", so that earlier calls and their results
   * go back through the model's template on the next turn (docs/tools.md). One of tokens,
   * prompt, messages and messages_json; a malformed array is HEARTH_ERR_INVALID_ARGUMENT naming
   * the entry. Tools may be given with it as with `messages`. */
  const char* messages_json;
} hearth_request_params;

typedef struct hearth_request_outcome {
  size_t struct_size; /* set by the caller: the library writes only this many bytes */
  int32_t finish_reason; /* hearth_finish_reason */
  int32_t prompt_tokens;
  int32_t cached_prompt_tokens; /* prompt tokens whose KV came from shared blocks */
  int32_t generated_tokens;
  double queue_ms;       /* submit -> admission */
  double first_token_ms; /* submit -> first sampled token; 0 if none */
  /* HEARTH_FINISH_CONTENT_FILTER: the blocking rule's category (never the text), valid until
   * hearth_request_free; NULL otherwise. */
  const char* filter_category;
} hearth_request_outcome;

typedef struct hearth_engine_stats_info {
  size_t struct_size; /* set by the caller: the library writes only this many bytes */
  int32_t running, waiting;
  int32_t blocks_total, blocks_used, blocks_cached; /* used: referenced; cached: reusable */
  uint64_t tokens_processed, steps, preemptions;
} hearth_engine_stats_info;

/* Both: HEARTH_ERR_INVALID_ARGUMENT when params is NULL or size < sizeof(size_t). */
HEARTH_API hearth_status hearth_engine_params_init(hearth_engine_params* params, size_t size);
HEARTH_API hearth_status hearth_request_params_init(hearth_request_params* params, size_t size);
#define HEARTH_ENGINE_PARAMS_INIT(p) hearth_engine_params_init((p), sizeof *(p))
#define HEARTH_REQUEST_PARAMS_INIT(p) hearth_request_params_init((p), sizeof *(p))
/* Starts the engine thread and allocates the pool. params NULL: defaults. The engine keeps the
 * model's weights alive; free the engine before the model. */
HEARTH_API hearth_status hearth_engine_create(const hearth_model* model,
                                              const hearth_engine_params* params,
                                              hearth_engine** out_engine);
/* Queues a request; *out_request is owned by the caller (hearth_request_free). Errors, nothing
 * queued: HEARTH_ERR_INVALID_ARGUMENT (no prompt or more than one kind, an unknown role, invalid UTF-8, a token outside
 * the vocabulary, max_tokens <= 0, deadline_ms < 0, bad sampler values), HEARTH_ERR_CONTEXT_FULL
 * (the prompt exceeds n_ctx, or the pool could not hold it even alone). */
HEARTH_API hearth_status hearth_engine_submit(hearth_engine* engine,
                                              const hearth_request_params* params,
                                              hearth_request** out_request);
/* Pull mode: waits up to timeout_ms (< 0: no limit) for the next piece of text and copies it
 * (buffer convention; a piece too large for the buffer stays queued). *out_finished = 1 and
 * *out_len = 0 once the request ended and every piece was taken; *out_len = 0 and
 * *out_finished = 0 on a timeout. With on_piece set there is never a piece to pull. */
HEARTH_API hearth_status hearth_request_next(hearth_request* request, char* buf, size_t capacity,
                                             size_t* out_len, int32_t timeout_ms,
                                             int* out_finished);
/* Waits up to timeout_ms (< 0: no limit) for the request to finish; *out_finished says whether
 * it did. */
HEARTH_API hearth_status hearth_request_wait(hearth_request* request, int32_t timeout_ms,
                                             int* out_finished);
/* Finishes the request (HEARTH_FINISH_CANCELLED) and frees its KV blocks at once, or as soon as
 * the step computing it ends. HEARTH_ERR_INVALID_ARGUMENT for NULL, a handle that is not a live
 * request, or one that already finished (nothing changes). */
HEARTH_API hearth_status hearth_request_cancel(hearth_request* request);
/* The outcome so far (finish_reason HEARTH_FINISH_NONE while it runs) and usage/timings. */
HEARTH_API hearth_status hearth_request_result(const hearth_request* request,
                                               hearth_request_outcome* out);
/* The tool calls in a finished request's reply (submitted with tools_json), as the OpenAI JSON
 * array hearth_session_tool_calls returns; "[]" when the reply called no tool, was cut off
 * inside a call, or the request had no tools (buffer convention). The text around the calls
 * is what was streamed. HEARTH_ERR_INVALID_ARGUMENT while the request still runs. Any thread. */
HEARTH_API hearth_status hearth_request_tool_calls(const hearth_request* request, char* buf,
                                                   size_t capacity, size_t* out_len);
/* Cancels the request if it still runs and releases the handle. Accepts NULL. May be called
 * after hearth_engine_free. */
HEARTH_API void hearth_request_free(hearth_request* request);
/* A snapshot of the engine's counters. */
HEARTH_API hearth_status hearth_engine_stats(const hearth_engine* engine,
                                             hearth_engine_stats_info* out);
/* Cancels every request still queued or running, stops the thread, frees the pool. Request
 * handles stay valid (finished) until hearth_request_free. Accepts NULL. */
HEARTH_API void hearth_engine_free(hearth_engine* engine);

/* ---------------------------------------------------------------- conversion and quantization */

typedef struct hearth_convert_params {
  size_t struct_size;
  const char* input;           /* Hugging Face folder, or llama2.c checkpoint */
  const char* llama2c_tokenizer; /* non-NULL: input is a llama2.c checkpoint */
  const char* output;          /* GGUF path; written atomically */
  const char* type;            /* "f32", "f16", "bf16", "q8_0", "q4_0", "q4_k_m" */
  hearth_progress_fn progress;
  void* progress_user_data;
} hearth_convert_params;

HEARTH_API hearth_status hearth_convert_params_init(hearth_convert_params* params, size_t size);
#define HEARTH_CONVERT_PARAMS_INIT(p) hearth_convert_params_init((p), sizeof *(p))
HEARTH_API hearth_status hearth_convert(const hearth_convert_params* params);
/* Re-quantizes a GGUF file ("q8_0", "q4_0", "q4_k_m", "q6_k", ...). */
HEARTH_API hearth_status hearth_quantize(const char* input, const char* output, const char* type,
                                         hearth_progress_fn progress, void* user_data);

/* ---------------------------------------------------------------- encryption at rest */
/* Encrypted session files (docs/security.md): AES-256-GCM in authenticated chunks, the header
 * (format version, key derivation and its parameters, salt, nonce) authenticated too. A
 * hearth_key is a raw 256-bit key or a passphrase (stretched per file with scrypt, N=2^16 r=8
 * p=1, its parameters stored in the file). The library keeps its own copy of the secret, wiped
 * by hearth_key_free, so the caller may wipe its buffer as soon as the call returns; the
 * secret never appears in hearth_last_error(). A hearth_key is immutable: any thread may use
 * it. */
typedef struct hearth_key hearth_key;
/* key_len must be 32 (else HEARTH_ERR_INVALID_ARGUMENT). */
HEARTH_API hearth_status hearth_key_from_bytes(const uint8_t* key, size_t key_len,
                                               hearth_key** out);
/* A key file of exactly 32 bytes (hearth_key_generate_file, `hearth keygen`). HEARTH_ERR_IO
 * when unreadable; HEARTH_ERR_INVALID_ARGUMENT for another size or a file other users may
 * access (mode & 077). */
HEARTH_API hearth_status hearth_key_from_file(const char* path, hearth_key** out);
/* passphrase[0, len) (not NUL-terminated; len > 0). */
HEARTH_API hearth_status hearth_key_from_passphrase(const char* passphrase, size_t len,
                                                    hearth_key** out);
HEARTH_API void hearth_key_free(hearth_key* key);
/* Writes 32 random bytes to a new file of mode 0600; HEARTH_ERR_IO if it exists. */
HEARTH_API hearth_status hearth_key_generate_file(const char* path);
/* As hearth_session_save / hearth_session_load, sealed with `key`. Loading validates and
 * authenticates the whole file before changing anything: a modified, truncated or clear file
 * is HEARTH_ERR_INVALID_MODEL, a wrong key HEARTH_ERR_INVALID_ARGUMENT, and the session is
 * unchanged. hearth_session_load of an encrypted file is HEARTH_ERR_INVALID_ARGUMENT. */
HEARTH_API hearth_status hearth_session_save_encrypted(const hearth_session* session,
                                                       const char* path, const hearth_key* key);
HEARTH_API hearth_status hearth_session_load_encrypted(hearth_session* session, const char* path,
                                                       const hearth_key* key);

/* ---------------------------------------------------------------- embeddings and reranking */
/* Text embeddings and reranking scores from bert, nomic-bert and qwen3 GGUF models
 * (docs/embeddings.md). Texts of one call run through one forward pass, packed without
 * padding; a text's vector does not depend on the other texts. A hearth_embedder is immutable
 * after loading: any number of threads may call hearth_embed / hearth_rerank on it at once
 * (calls on one embedder run one after another; use one embedder per thread for parallelism). */
typedef struct hearth_embedder hearth_embedder;

typedef enum hearth_pooling {
  HEARTH_POOLING_MODEL = -1, /* the file's <arch>.pooling_type */
  HEARTH_POOLING_NONE = 0,   /* the last token's hidden state */
  HEARTH_POOLING_MEAN = 1,
  HEARTH_POOLING_CLS = 2,
  HEARTH_POOLING_LAST = 3,
  HEARTH_POOLING_RANK = 4 /* rerankers: hearth_rerank */
} hearth_pooling;

typedef struct hearth_embedder_params {
  size_t struct_size;
  int32_t pooling;   /* hearth_pooling (default HEARTH_POOLING_MODEL) */
  int32_t normalize; /* non-zero (default): L2-normalise each vector */
  int32_t truncate;  /* non-zero: cut texts longer than the context; 0 (default): an error */
  int32_t n_threads; /* 0 (default): one per core */
} hearth_embedder_params;

HEARTH_API hearth_status hearth_embedder_params_init(hearth_embedder_params* params, size_t size);
#define HEARTH_EMBEDDER_PARAMS_INIT(p) hearth_embedder_params_init((p), sizeof *(p))
/* Loads an embedding or reranking model. HEARTH_ERR_UNSUPPORTED for another architecture.
 * params may be NULL. Free with hearth_embedder_free. */
HEARTH_API hearth_status hearth_embedder_load(const char* path,
                                              const hearth_embedder_params* params,
                                              hearth_embedder** out);
HEARTH_API void hearth_embedder_free(hearth_embedder* embedder); /* accepts NULL */
/* Length of one embedding (the model's embedding_length). Thread-safe. */
HEARTH_API hearth_status hearth_embedder_dim(const hearth_embedder* embedder, int32_t* out);
/* Embeds n_texts UTF-8 texts into out, row-major [n_texts][dim] floats. *out_len (may be NULL)
 * receives n_texts * dim; if capacity (in floats) is smaller, HEARTH_ERR_BUFFER_TOO_SMALL and
 * nothing but *out_len is written. A text longer than the context without truncation:
 * HEARTH_ERR_INVALID_ARGUMENT. A reranking model (pooling rank): HEARTH_ERR_INVALID_ARGUMENT. */
HEARTH_API hearth_status hearth_embed(const hearth_embedder* embedder, const char* const* texts,
                                      size_t n_texts, float* out, size_t capacity,
                                      size_t* out_len);
/* Relevance of each of n_docs documents to query: out_scores[n_docs], in input order (BERT
 * cross-encoders: the head's logit; Qwen3-Reranker: P("yes")). A model without a rank head:
 * HEARTH_ERR_INVALID_ARGUMENT. */
HEARTH_API hearth_status hearth_rerank(const hearth_embedder* embedder, const char* query,
                                       const char* const* docs, size_t n_docs,
                                       float* out_scores);

/* ---------------------------------------------------------------- knowledge base */
/* A local knowledge base in one SQLite file (docs/kb.md): files (.txt .md .html, .pdf through
 * pdftotext) cut into passages, embedded, and searched by vector, BM25 keywords, or both fused
 * by reciprocal rank. A knowledge base records its embedding model; opening it with another
 * is HEARTH_ERR_INVALID_ARGUMENT. A hearth_kb is used by one thread at a time; several
 * processes may share one file (SQLite WAL). Builds without SQLite (Windows) return
 * HEARTH_ERR_UNSUPPORTED from every call. */
typedef struct hearth_kb hearth_kb;
typedef struct hearth_kb_results hearth_kb_results;

typedef enum hearth_kb_mode {
  HEARTH_KB_HYBRID = 0, /* vector and BM25 lists fused by reciprocal rank (k0 = 60) */
  HEARTH_KB_VECTOR = 1, /* cosine similarity, exact */
  HEARTH_KB_BM25 = 2    /* SQLite FTS5 BM25; not available on an encrypted knowledge base */
} hearth_kb_mode;

typedef struct hearth_kb_params {
  size_t struct_size;
  /* GGUF embedding model, or "hash:DIM" (a deterministic, NON-semantic test embedder).
   * NULL: the model the knowledge base was built with. */
  const char* embed_model;
  int32_t create;        /* nonzero: create the file when missing (default 0) */
  int32_t n_threads;     /* embedding threads, 0: one per core */
  int32_t chunk_tokens;  /* passage size of a new knowledge base, 0: 256 (or the model's limit) */
  int32_t chunk_overlap; /* tokens shared by neighbouring passages, -1: chunk_tokens / 8 */
  /* A key file (hearth_key_generate_file): passages are stored sealed with AES-256-GCM. Needed
   * to open an encrypted knowledge base; given for an empty one, makes it encrypted. */
  const char* key_file;
} hearth_kb_params;

typedef struct hearth_kb_index_stats {
  size_t struct_size; /* set by the caller: the library writes only this many bytes */
  int32_t files_indexed, files_unchanged, files_removed, files_failed;
  int64_t chunks_added;
  double seconds, embed_seconds; /* the whole call; of which computing embeddings */
  /* One line per problem ("error: PATH: why", "warning: PATH: why"); valid until the next
   * call on this hearth_kb. */
  const char* issues;
} hearth_kb_index_stats;

typedef struct hearth_kb_search_params {
  size_t struct_size;
  int32_t k;    /* passages to return (default 5) */
  int32_t mode; /* hearth_kb_mode (default HEARTH_KB_HYBRID) */
} hearth_kb_search_params;

typedef struct hearth_kb_hit {
  size_t struct_size; /* set by the caller */
  const char* path;   /* the document's absolute path; valid until hearth_kb_results_free */
  const char* text;   /* the passage (UTF-8); valid until hearth_kb_results_free */
  int32_t chunk;      /* passage number within the document, from 0 */
  int32_t page;       /* PDF page, from 1; 0: none */
  int32_t line;       /* line of a text or HTML source, from 1; 0: none */
  double score;       /* hybrid: RRF score; vector: cosine; bm25: -bm25() (higher is better) */
} hearth_kb_hit;

HEARTH_API hearth_status hearth_kb_params_init(hearth_kb_params* params, size_t size);
#define HEARTH_KB_PARAMS_INIT(p) hearth_kb_params_init((p), sizeof *(p))
HEARTH_API hearth_status hearth_kb_search_params_init(hearth_kb_search_params* params,
                                                      size_t size);
#define HEARTH_KB_SEARCH_PARAMS_INIT(p) hearth_kb_search_params_init((p), sizeof *(p))
/* Opens (params->create: creates) a knowledge base and loads its embedding model. HEARTH_ERR_IO
 * for a file that is missing or not SQLite, HEARTH_ERR_UNSUPPORTED for a newer format,
 * HEARTH_ERR_INVALID_ARGUMENT for another model, a wrong or missing key, or a foreign SQLite
 * file. Free with hearth_kb_free. */
HEARTH_API hearth_status hearth_kb_open(const char* path, const hearth_kb_params* params,
                                        hearth_kb** out);
HEARTH_API void hearth_kb_free(hearth_kb* kb); /* accepts NULL */
/* Indexes files and folders (recursively): new and changed files, one transaction each, so an
 * interrupted call leaves every document whole. Problems with single files do not fail the
 * call: they are counted in files_failed and described in out_stats->issues. out_stats may be
 * NULL. */
HEARTH_API hearth_status hearth_kb_add(hearth_kb* kb, const char* const* paths, size_t n_paths,
                                       hearth_kb_index_stats* out_stats);
/* As hearth_kb_add for a folder, then removes the documents under it whose files are gone. */
HEARTH_API hearth_status hearth_kb_sync(hearth_kb* kb, const char* dir,
                                        hearth_kb_index_stats* out_stats);
/* Forgets files, or every document under a folder; *out_removed (may be NULL): how many. */
HEARTH_API hearth_status hearth_kb_remove(hearth_kb* kb, const char* const* paths,
                                          size_t n_paths, int32_t* out_removed);
/* The best passages for `query`, best first. params NULL: the defaults. The results are owned
 * by the caller (hearth_kb_results_free) and stay valid after the hearth_kb is freed. */
HEARTH_API hearth_status hearth_kb_search(hearth_kb* kb, const char* query,
                                          const hearth_kb_search_params* params,
                                          hearth_kb_results** out);
HEARTH_API hearth_status hearth_kb_results_count(const hearth_kb_results* results, size_t* out);
/* Passage i (< count) into *out (set out->struct_size first). */
HEARTH_API hearth_status hearth_kb_results_get(const hearth_kb_results* results, size_t i,
                                               hearth_kb_hit* out);
HEARTH_API void hearth_kb_results_free(hearth_kb_results* results); /* accepts NULL */
/* Answers with sources (docs/kb.md): the user message that grounds `question` in `results` (from
 * hearth_kb_search on that question): the hits as numbered sources "[n] path:line" (or "path
 * (page p)") with their text, an instruction to cite them as [n], then the question; the
 * question unchanged when there are no hits. Source n is hit n - 1 of `results`, so a reply's
 * [n] maps back to hearth_kb_results_get(results, n - 1). The same message `hearth chat --kb`
 * and `hearth serve --kb` send. Buffer convention; `results` is only read (any thread). */
HEARTH_API hearth_status hearth_kb_results_prompt(const hearth_kb_results* results,
                                                  const char* question, char* buf,
                                                  size_t capacity, size_t* out_len);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HEARTH_H */
