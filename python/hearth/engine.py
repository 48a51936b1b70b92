"""hearth.Engine: many generation requests at once over one model (continuous batching).

    engine = hearth.Engine(model, max_running=8)
    req = engine.submit("Once upon a time", max_tokens=64)
    for piece in req:            # text pieces as they are generated
        print(piece, end="")
    print(req.result())          # finish reason and usage

Thread-safe: any thread may submit, iterate a request, cancel, or read stats. Each request is
pulled (hearth_request_next) without holding the GIL, so requests may be consumed from many
threads while the engine's own thread runs the model.
"""
import ctypes
import json
import threading
from collections import namedtuple

from . import _lib
from ._lib import OwnedHandle, check, lib

FINISH_REASONS = {-1: None, 0: "stop", 1: "length", 2: "cancelled", 3: "deadline", 4: "error",
                  5: "content_filter"}
NOTHING_RUNNING = 11

RequestResult = namedtuple("RequestResult", [
    "finish_reason", "prompt_tokens", "cached_prompt_tokens", "generated_tokens", "queue_ms",
    "first_token_ms", "filter_category", "tool_calls"])

_POLL_MS = 100  # how long a pull waits before checking whether the request was closed


class Request:
    """One submitted request: iterate it for the text pieces; result() waits for the outcome."""

    def __init__(self, handle, engine):
        self._handle = handle
        self._engine = engine  # the engine outlives its requests' use
        self._lock = threading.Lock()  # one C call on the handle at a time vs close()
        self._buf = ctypes.create_string_buffer(256)
        self._pending = b""  # bytes of a piece not yet decodable (never: pieces are UTF-8)

    def _call(self, fn, *args):
        with self._lock:
            if not self._handle:
                raise ValueError("the request is closed")
            return fn(self._handle, *args)

    def __iter__(self):
        return self

    def __next__(self):
        length, finished = ctypes.c_size_t(0), ctypes.c_int(0)
        while True:
            status = self._call(lib.hearth_request_next, self._buf, len(self._buf),
                                ctypes.byref(length), _POLL_MS, ctypes.byref(finished))
            if status == _lib.BUFFER_TOO_SMALL:
                self._buf = ctypes.create_string_buffer(length.value + 1)
                continue
            check(status)
            if length.value:
                return self._buf.raw[:length.value].decode("utf-8", "replace")
            if finished.value:
                raise StopIteration

    def text(self):
        """Every remaining piece, joined."""
        return "".join(self)

    def wait(self, timeout=None):
        """Waits for the request to finish (timeout in seconds; None: no limit); True if it did."""
        finished = ctypes.c_int(0)
        if timeout is None:
            while not finished.value:
                check(self._call(lib.hearth_request_wait, _POLL_MS, ctypes.byref(finished)))
            return True
        check(self._call(lib.hearth_request_wait, int(timeout * 1000), ctypes.byref(finished)))
        return bool(finished.value)

    def result(self, timeout=None):
        """The finish reason ("stop", "length", "cancelled", "deadline", "error",
        "content_filter") and usage, once the request finished; None as finish_reason when the
        timeout passed first. filter_category names the rule's category for "content_filter".
        tool_calls: the calls of a request submitted with tools, OpenAI-shaped ([{"id", "type":
        "function", "function": {"name", "arguments": JSON text}}]); [] when there were none
        (or the request has not finished)."""
        finished = self.wait(timeout)
        out = _lib.RequestOutcome()
        out.struct_size = ctypes.sizeof(out)
        check(self._call(lib.hearth_request_result, ctypes.byref(out)))
        calls = json.loads(self._call(
            lambda h: _lib.read_text(lib.hearth_request_tool_calls, h))) if finished else []
        return RequestResult(FINISH_REASONS.get(out.finish_reason, "error"), out.prompt_tokens,
                             out.cached_prompt_tokens, out.generated_tokens, out.queue_ms,
                             out.first_token_ms,
                             out.filter_category.decode("utf-8") if out.filter_category else None,
                             calls)

    def cancel(self):
        """Stops the request and frees its KV blocks; False when it had already finished."""
        status = self._call(lib.hearth_request_cancel)
        return status == 0

    def close(self):
        """Cancels the request if it still runs and releases the handle (idempotent)."""
        with self._lock:
            if self._handle:
                lib.hearth_request_free(self._handle)
                self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Engine(OwnedHandle):
    """Continuous batching over one model: see hearth.h, "engine". Keyword arguments are the
    fields of hearth_engine_params (n_ctx, n_threads, kv_blocks, max_running, token_budget,
    max_decode_stall)."""
    _free = staticmethod(lib.hearth_engine_free)
    _what = "engine"

    def __init__(self, model, **params):
        p = _lib.init_params(lib.hearth_engine_params_init, _lib.EngineParams())
        for key, value in params.items():
            if key == "struct_size" or not hasattr(p, key):
                raise TypeError(f"unknown Engine parameter: {key}")
            setattr(p, key, value)
        handle = _lib.engine_p()
        check(lib.hearth_engine_create(model.handle, ctypes.byref(p), ctypes.byref(handle)))
        self._model = model  # the model must outlive the engine
        self._lock = threading.Lock()  # submit/stats vs close
        self._handle = handle

    def submit(self, prompt=None, *, tokens=None, messages=None, max_tokens=256,
               temperature=0.0, top_k=0, top_p=1.0, min_p=0.0, seed=None, stop=(), tenant=None,
               deadline_ms=0.0, filter=None, grammar=None, json_schema=None, tools=None,
               tool_choice=None, parallel_tool_calls=True):
        """Queues a request given as text (tokenized with BOS), token ids, or chat messages
        ([(role, content)] or [{"role":..., "content":...}], rendered with the model's
        template). `filter` (a hearth.ContentFilter) checks user messages at submit (HearthError
        with status_name "CONTENT_FILTERED") and screens the reply. `grammar` (GBNF) or
        `json_schema` (a dict or JSON text) constrains the reply. `tools` (OpenAI tool dicts;
        with messages only) and `tool_choice` ("auto", "none", "required", a function name;
        parallel_tool_calls=False: at most one call):
        the parsed calls are in result().tool_calls (docs/tools.md). For the next turn, pass
        the assistant's turn as {"role": "assistant", "content": None, "tool_calls": calls}
        and each result as {"role": "tool", "tool_call_id": id, "content": text}: the model's
        template renders them. Returns a Request."""
        rp = _lib.init_params(lib.hearth_request_params_init, _lib.RequestParams())
        keep = []  # buffers that must live until the submit returns
        if prompt is not None:
            data = prompt.encode("utf-8")
            rp.prompt, rp.prompt_len = data, len(data)
            keep.append(data)
        if tokens is not None:
            arr = (_lib.token_t * len(tokens))(*tokens)
            rp.tokens, rp.n_tokens = arr, len(tokens)
            keep.append(arr)
        if messages is not None and any(
                isinstance(m, dict) and ("tool_calls" in m or "tool_call_id" in m
                                         or m.get("content") is None) for m in messages):
            # Earlier tool calls and results (docs/tools.md): OpenAI's messages as JSON, so
            # that the model's template renders them.
            data = json.dumps(list(messages), ensure_ascii=False).encode("utf-8")
            rp.messages_json = data
            keep.append(data)
        elif messages is not None:
            pairs = [(m["role"], m["content"]) if isinstance(m, dict) else tuple(m)
                     for m in messages]
            arr = (_lib.ChatMessage * len(pairs))()
            for i, (role, content) in enumerate(pairs):
                arr[i].role, arr[i].content = role.encode("utf-8"), content.encode("utf-8")
            rp.messages, rp.n_messages = arr, len(pairs)
            keep.append(arr)
        rp.max_tokens = max_tokens
        sp = _lib.init_params(lib.hearth_sampler_params_init, _lib.SamplerParams())
        sp.temperature, sp.top_k, sp.top_p, sp.min_p = temperature, top_k, top_p, min_p
        sp.typical_p, sp.repeat_penalty = 1.0, 1.0
        if seed is not None:
            sp.seed = seed
        sp.grammar, sp.json_schema = _lib.grammar_arguments(grammar, json_schema)
        rp.tools_json, rp.tool_choice = _lib.tools_arguments(tools, tool_choice)
        rp.max_tool_calls = 0 if parallel_tool_calls else 1
        keep.append((sp.grammar, sp.json_schema, rp.tools_json, rp.tool_choice))
        rp.sampler = ctypes.pointer(sp)
        if isinstance(stop, str):
            stop = [stop]
        stops = [s.encode("utf-8") for s in stop]
        arr = (ctypes.c_char_p * max(1, len(stops)))(*stops)
        rp.stop_strings, rp.n_stop_strings = arr, len(stops)
        if tenant is not None:
            rp.tenant = tenant.encode("utf-8")
        rp.deadline_ms = deadline_ms
        if filter is not None:
            rp.filter = filter.handle
        handle = _lib.request_p()
        with self._lock:
            check(lib.hearth_engine_submit(self.handle, ctypes.byref(rp), ctypes.byref(handle)))
        return Request(handle, self)

    def stats(self):
        """Counters: running, waiting, blocks_total/used/cached, tokens_processed, steps,
        preemptions."""
        out = _lib.EngineStatsInfo()
        out.struct_size = ctypes.sizeof(out)
        with self._lock:
            check(lib.hearth_engine_stats(self.handle, ctypes.byref(out)))
        return {name: getattr(out, name) for name, _ in out._fields_ if name != "struct_size"}

    def close(self):
        lock = getattr(self, "_lock", None)  # absent when __init__ failed
        if lock is None:
            return
        with lock:
            super().close()
