"""Loads libhearth and declares the C functions' signatures."""
import ctypes
import ctypes.util
import os
import sys

STATUS_NAMES = {
    0: "OK", 1: "INVALID_ARGUMENT", 2: "IO", 3: "INVALID_MODEL", 4: "UNSUPPORTED",
    5: "OUT_OF_MEMORY", 6: "CONTEXT_FULL", 7: "CANCELLED", 8: "INTERNAL", 9: "TEMPLATE",
    10: "BUFFER_TOO_SMALL", 11: "NOTHING_RUNNING", 12: "CONTENT_FILTERED",
}
BUFFER_TOO_SMALL = 10


class HearthError(RuntimeError):
    """A hearth call failed; `status` is the hearth_status code, str() the library's message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.status_name = STATUS_NAMES.get(status, str(status))


# The shared library's file name on this platform, and where a build or an install puts it
# (Windows: hearth.dll beside the programs in bin/; elsewhere lib<name> in lib/).
if sys.platform == "win32":
    _LIB_NAME, _BUILD_DIR, _LIB_DIRS = "hearth.dll", "bin", ("bin",)
elif sys.platform == "darwin":
    _LIB_NAME, _BUILD_DIR, _LIB_DIRS = "libhearth.dylib", "src", ("lib",)
else:
    _LIB_NAME, _BUILD_DIR, _LIB_DIRS = "libhearth.so", "src", (
        "lib", "lib64", os.path.join("lib", "x86_64-linux-gnu"))


def _find_library():
    env = os.environ.get("HEARTH_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    try:  # installed by cmake --install: the library installed with this package
        from ._install_paths import LIBRARY
        if os.path.exists(LIBRARY):
            return LIBRARY
    except ImportError:
        pass
    # Next to the package, a source tree's build, then the install prefixes CMake uses.
    prefixes = [sys.prefix] + ([] if sys.platform == "win32" else ["/usr/local", "/usr"])
    candidates = [os.path.join(here, _LIB_NAME),
                  os.path.join(here, "..", "..", "build", _BUILD_DIR, _LIB_NAME)]
    for prefix in prefixes:
        for libdir in _LIB_DIRS:
            candidates.append(os.path.join(prefix, libdir, _LIB_NAME))
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    found = ctypes.util.find_library("hearth")
    if not found:
        raise OSError("hearth's shared library not found: set HEARTH_LIBRARY to the path of "
                      + _LIB_NAME)
    return found


lib = ctypes.CDLL(_find_library())

c_status = ctypes.c_int
model_p = ctypes.c_void_p


def _declare(name, restype, *argtypes):
    fn = getattr(lib, name, None)
    if fn is None:
        return None
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_declare("hearth_version", ctypes.c_char_p)
_declare("hearth_last_error", ctypes.c_char_p)
_declare("hearth_system_info", ctypes.c_char_p)


class ModelParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("progress", ctypes.c_void_p),
                ("progress_user_data", ctypes.c_void_p), ("vocab_only", ctypes.c_int),
                ("repack_cache", ctypes.c_char_p)]


_declare("hearth_model_params_init", c_status, ctypes.c_void_p, ctypes.c_size_t)
_declare("hearth_model_load", c_status, ctypes.c_char_p, ctypes.c_void_p,
         ctypes.POINTER(model_p))
_declare("hearth_model_free", None, model_p)
for _name in ("hearth_model_architecture", "hearth_model_file_type"):
    _declare(_name, c_status, model_p, ctypes.POINTER(ctypes.c_char_p))
_declare("hearth_model_n_params", c_status, model_p, ctypes.POINTER(ctypes.c_uint64))
_declare("hearth_model_context_length", c_status, model_p, ctypes.POINTER(ctypes.c_int32))
_declare("hearth_model_vocab_size", c_status, model_p, ctypes.POINTER(ctypes.c_int32))
_declare("hearth_model_tensor_count", c_status, model_p, ctypes.POINTER(ctypes.c_int64))
_declare("hearth_model_meta_count", c_status, model_p, ctypes.POINTER(ctypes.c_int64))
_declare("hearth_model_meta_key", c_status, model_p, ctypes.c_int64,
         ctypes.POINTER(ctypes.c_char_p))
_declare("hearth_model_meta_string", c_status, model_p, ctypes.c_char_p, ctypes.c_char_p,
         ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))


def check(status):
    """Raises HearthError carrying hearth_last_error() when status is not HEARTH_OK."""
    if status != 0:
        raise HearthError(status, lib.hearth_last_error().decode("utf-8", "replace"))


def init_params(fn, struct):
    """Fills a params struct with its defaults (hearth_<x>_params_init with its size)."""
    check(fn(ctypes.byref(struct), ctypes.sizeof(struct)))
    return struct


def read_text(fn, *args):
    """Calls a function following the buffer convention (buf, capacity, out_len) -> str."""
    length = ctypes.c_size_t(0)
    status = fn(*args, None, 0, ctypes.byref(length))
    if status != BUFFER_TOO_SMALL:
        check(status)
    buf = ctypes.create_string_buffer(length.value + 1)
    check(fn(*args, buf, len(buf), ctypes.byref(length)))
    return buf.raw[:length.value].decode("utf-8", "replace")


def version():
    return lib.hearth_version().decode()


def system_info():
    return lib.hearth_system_info().decode()


# ---- contexts, decoding and generation (capi/capi_context.cpp)
context_p = ctypes.c_void_p
token_t = ctypes.c_int32


class ContextParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("n_ctx", ctypes.c_int32),
                ("n_threads", ctypes.c_int32), ("n_batch", ctypes.c_int32)]


class LogitBias(ctypes.Structure):
    _fields_ = [("token", token_t), ("bias", ctypes.c_float)]


class SamplerParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("temperature", ctypes.c_float),
                ("top_k", ctypes.c_int32), ("top_p", ctypes.c_float), ("min_p", ctypes.c_float),
                ("typical_p", ctypes.c_float), ("repeat_penalty", ctypes.c_float),
                ("frequency_penalty", ctypes.c_float), ("presence_penalty", ctypes.c_float),
                ("penalty_last_n", ctypes.c_int32), ("seed", ctypes.c_uint64),
                ("logit_bias", ctypes.POINTER(LogitBias)), ("n_logit_bias", ctypes.c_size_t),
                ("grammar", ctypes.c_char_p), ("json_schema", ctypes.c_char_p)]


class GenerationEvent(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("token", token_t),
                ("text", ctypes.POINTER(ctypes.c_char)), ("text_len", ctypes.c_size_t)]


TOKEN_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(GenerationEvent), ctypes.c_void_p)


class GenerateParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("max_tokens", ctypes.c_int32),
                ("sampler", ctypes.POINTER(SamplerParams)),
                ("stop_strings", ctypes.POINTER(ctypes.c_char_p)),
                ("n_stop_strings", ctypes.c_size_t), ("on_token", TOKEN_CALLBACK),
                ("user_data", ctypes.c_void_p), ("tools_json", ctypes.c_char_p),
                ("tool_choice", ctypes.c_char_p), ("max_tool_calls", ctypes.c_int32)]


class GenerationResult(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("n_prompt_tokens", ctypes.c_int32),
                ("n_generated", ctypes.c_int32), ("stop_reason", ctypes.c_int32),
                ("time_to_first_token_ms", ctypes.c_double),
                ("prompt_tokens_per_s", ctypes.c_double), ("gen_tokens_per_s", ctypes.c_double)]


_declare("hearth_context_params_init", c_status, ctypes.POINTER(ContextParams), ctypes.c_size_t)
_declare("hearth_context_new", c_status, model_p, ctypes.POINTER(ContextParams),
         ctypes.POINTER(context_p))
_declare("hearth_context_free", None, context_p)
_declare("hearth_context_set_threads", c_status, context_p, ctypes.c_int32)
_declare("hearth_context_n_past", c_status, context_p, ctypes.POINTER(ctypes.c_int32))
_declare("hearth_context_truncate", c_status, context_p, ctypes.c_int32)
_declare("hearth_context_cancel", c_status, context_p)
_declare("hearth_decode", c_status, context_p, ctypes.POINTER(token_t), ctypes.c_size_t)
_declare("hearth_logits", c_status, context_p, ctypes.POINTER(ctypes.POINTER(ctypes.c_float)),
         ctypes.POINTER(ctypes.c_int32))
_declare("hearth_sampler_params_init", c_status, ctypes.POINTER(SamplerParams), ctypes.c_size_t)
_declare("hearth_generate_params_init", c_status, ctypes.POINTER(GenerateParams), ctypes.c_size_t)
_declare("hearth_generate", c_status, context_p, ctypes.POINTER(token_t), ctypes.c_size_t,
         ctypes.POINTER(GenerateParams), ctypes.POINTER(GenerationResult))

_declare("hearth_tokenize", c_status, model_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
         ctypes.c_int, ctypes.POINTER(ctypes.c_int32), ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_size_t))
_declare("hearth_detokenize", c_status, model_p, ctypes.POINTER(ctypes.c_int32), ctypes.c_size_t,
         ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))
_declare("hearth_token_bos", c_status, model_p, ctypes.POINTER(ctypes.c_int32))
_declare("hearth_token_eos", c_status, model_p, ctypes.POINTER(ctypes.c_int32))
_declare("hearth_token_is_eog", c_status, model_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int))

# ---- chat sessions (capi/capi_session.cpp)
session_p = ctypes.c_void_p


class SessionParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("context", ctypes.POINTER(ContextParams)),
                ("chat_template", ctypes.c_char_p), ("prompt_cache_bytes", ctypes.c_size_t)]


_declare("hearth_session_params_init", c_status, ctypes.POINTER(SessionParams), ctypes.c_size_t)
_declare("hearth_session_new", c_status, model_p, ctypes.POINTER(SessionParams),
         ctypes.POINTER(session_p))
_declare("hearth_session_free", None, session_p)
_declare("hearth_session_add_message", c_status, session_p, ctypes.c_char_p, ctypes.c_char_p)
_declare("hearth_session_generate", c_status, session_p, ctypes.POINTER(GenerateParams),
         ctypes.POINTER(GenerationResult))
_declare("hearth_session_tool_calls", c_status, session_p, ctypes.c_char_p, ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_size_t))
for _name in ("hearth_session_cancel", "hearth_session_reset"):
    _declare(_name, c_status, session_p)
for _name in ("hearth_session_save", "hearth_session_load"):
    _declare(_name, c_status, session_p, ctypes.c_char_p)


# ---- chat templates (capi/capi_template.cpp)


class ChatMessage(ctypes.Structure):
    _fields_ = [("role", ctypes.c_char_p), ("content", ctypes.c_char_p)]


_declare("hearth_chat_template_apply", c_status, model_p, ctypes.c_char_p,
         ctypes.POINTER(ChatMessage), ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p,
         ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))


class OwnedHandle:
    """Base of the classes that own one hearth handle: close() (idempotent), context manager,
    and `handle`, which raises once closed. Subclasses set _free (the hearth_*_free function)
    and _what (a noun for the error message)."""
    _handle = None
    _free = None
    _what = "object"

    def close(self):
        if getattr(self, "_handle", None):
            type(self)._free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def handle(self):
        if not self._handle:
            raise ValueError(f"the {self._what} is closed")
        return self._handle


# ---- engine: continuous batching (capi/capi_engine.cpp)
engine_p = ctypes.c_void_p
request_p = ctypes.c_void_p
PIECE_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_size_t, token_t, ctypes.c_void_p)


class EngineParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("n_ctx", ctypes.c_int32),
                ("n_threads", ctypes.c_int32), ("kv_blocks", ctypes.c_int32),
                ("max_running", ctypes.c_int32), ("token_budget", ctypes.c_int32),
                ("max_decode_stall", ctypes.c_double)]


class RequestParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("tokens", ctypes.POINTER(token_t)),
                ("n_tokens", ctypes.c_size_t), ("prompt", ctypes.c_char_p),
                ("prompt_len", ctypes.c_size_t), ("max_tokens", ctypes.c_int32),
                ("sampler", ctypes.POINTER(SamplerParams)),
                ("stop_strings", ctypes.POINTER(ctypes.c_char_p)),
                ("n_stop_strings", ctypes.c_size_t), ("tenant", ctypes.c_char_p),
                ("deadline_ms", ctypes.c_double), ("on_piece", PIECE_FN),
                ("user_data", ctypes.c_void_p), ("messages", ctypes.POINTER(ChatMessage)),
                ("n_messages", ctypes.c_size_t), ("filter", ctypes.c_void_p),
                ("tools_json", ctypes.c_char_p), ("tool_choice", ctypes.c_char_p),
                ("max_tool_calls", ctypes.c_int32), ("messages_json", ctypes.c_char_p)]


class RequestOutcome(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("finish_reason", ctypes.c_int32),
                ("prompt_tokens", ctypes.c_int32), ("cached_prompt_tokens", ctypes.c_int32),
                ("generated_tokens", ctypes.c_int32), ("queue_ms", ctypes.c_double),
                ("first_token_ms", ctypes.c_double), ("filter_category", ctypes.c_char_p)]


class EngineStatsInfo(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("running", ctypes.c_int32),
                ("waiting", ctypes.c_int32), ("blocks_total", ctypes.c_int32),
                ("blocks_used", ctypes.c_int32), ("blocks_cached", ctypes.c_int32),
                ("tokens_processed", ctypes.c_uint64), ("steps", ctypes.c_uint64),
                ("preemptions", ctypes.c_uint64)]


_declare("hearth_engine_params_init", c_status, ctypes.POINTER(EngineParams), ctypes.c_size_t)
_declare("hearth_request_params_init", c_status, ctypes.POINTER(RequestParams), ctypes.c_size_t)
_declare("hearth_engine_create", c_status, model_p, ctypes.POINTER(EngineParams),
         ctypes.POINTER(engine_p))
_declare("hearth_engine_submit", c_status, engine_p, ctypes.POINTER(RequestParams),
         ctypes.POINTER(request_p))
_declare("hearth_request_next", c_status, request_p, ctypes.c_char_p, ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_size_t), ctypes.c_int32, ctypes.POINTER(ctypes.c_int))
_declare("hearth_request_wait", c_status, request_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int))
_declare("hearth_request_cancel", c_status, request_p)
_declare("hearth_request_result", c_status, request_p, ctypes.POINTER(RequestOutcome))
_declare("hearth_request_free", None, request_p)
_declare("hearth_request_tool_calls", c_status, request_p, ctypes.c_char_p, ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_size_t))
_declare("hearth_engine_stats", c_status, engine_p, ctypes.POINTER(EngineStatsInfo))
_declare("hearth_engine_free", None, engine_p)


# ---- content-safety filter (capi/capi_filter.cpp)
filter_p = ctypes.c_void_p


class FilterParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("level", ctypes.c_int32),
                ("rules_path", ctypes.c_char_p), ("rules_text", ctypes.c_char_p)]


_declare("hearth_filter_params_init", c_status, ctypes.POINTER(FilterParams), ctypes.c_size_t)
_declare("hearth_filter_create", c_status, ctypes.POINTER(FilterParams), ctypes.POINTER(filter_p))
_declare("hearth_filter_check", c_status, filter_p, ctypes.c_char_p, ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_size_t))
_declare("hearth_filter_free", None, filter_p)


# ---- tool calling and structured output (capi/capi_tools.cpp, docs/tools.md)


def tools_arguments(tools, tool_choice):
    """tools (a list of OpenAI tool dicts, or a JSON string) and tool_choice ("auto", "none",
    "required", a function name, or OpenAI's dict) as the bytes hearth_*_params take."""
    import json
    if tools is None:
        return None, None
    tools_json = tools if isinstance(tools, str) else json.dumps(tools)
    if isinstance(tool_choice, dict):
        tool_choice = json.dumps(tool_choice)
    return tools_json.encode("utf-8"), (tool_choice.encode("utf-8") if tool_choice else None)


def grammar_arguments(grammar, json_schema):
    """grammar (GBNF text) and json_schema (a dict or a JSON string) as C strings."""
    import json
    if json_schema is not None and not isinstance(json_schema, str):
        json_schema = json.dumps(json_schema)
    return (grammar.encode("utf-8") if grammar else None,
            json_schema.encode("utf-8") if json_schema else None)
