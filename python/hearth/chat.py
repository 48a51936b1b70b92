"""hearth.Chat: a conversation with a model that streams replies and reuses its KV cache.

    chat = hearth.Chat(model, system="You are brief.", max_tokens=128)
    for piece in chat.send("Hi"):
        print(piece, end="", flush=True)

Each turn evaluates only the tokens the session does not hold yet (see chat.last_result).
"""
import ctypes
import json
import queue
import threading

from . import _lib
from ._lib import HearthError, OwnedHandle, check, lib
from .context import STOP_REASONS

CANCELLED = 7
_DONE = object()  # end-of-reply marker on the queue

_SESSION_KEYS = ("n_ctx", "n_threads", "n_batch", "chat_template", "prompt_cache_bytes")
# Sampling stages default to off (greedy), as in Context.generate; see its docstring.
_SAMPLER_DEFAULTS = {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "min_p": 0.0, "typical_p": 1.0,
                     "repeat_penalty": 1.0, "frequency_penalty": 0.0, "presence_penalty": 0.0,
                     "penalty_last_n": 64}
_GENERATE_KEYS = ("max_tokens", "seed", "stop", "grammar", "json_schema", "tools",
                  "tool_choice", "parallel_tool_calls") + tuple(_SAMPLER_DEFAULTS)


class Chat(OwnedHandle):
    """A chat session. send() runs the generation on a worker thread and hands the text pieces
    over a queue, so the caller can iterate while the model generates; leaving the loop early
    cancels the reply (which is then not added to the conversation). One send at a time."""
    _free = staticmethod(lib.hearth_session_free)
    _what = "chat"

    def __init__(self, model, system=None, **params):
        unknown = set(params) - set(_SESSION_KEYS) - set(_GENERATE_KEYS)
        if unknown:
            raise TypeError(f"unknown Chat parameters: {', '.join(sorted(unknown))}")
        sp = _lib.SessionParams()
        _lib.init_params(lib.hearth_session_params_init, sp)
        cp = _lib.init_params(lib.hearth_context_params_init, _lib.ContextParams())
        cp.n_ctx = params.get("n_ctx", 2048)
        cp.n_threads = params.get("n_threads", 0)
        cp.n_batch = params.get("n_batch", 512)
        sp.context = ctypes.pointer(cp)
        template = params.get("chat_template")
        self._template = template.encode() if template is not None else None  # kept alive
        sp.chat_template = self._template
        sp.prompt_cache_bytes = params.get("prompt_cache_bytes", 0)
        handle = _lib.session_p()
        check(lib.hearth_session_new(model.handle, ctypes.byref(sp), ctypes.byref(handle)))
        self._model = model  # the model must outlive the session
        self._handle = handle
        self._system = system
        self._defaults = {k: params[k] for k in _GENERATE_KEYS if k in params}
        self._busy = False
        self.last_result = None
        self.tool_calls = []
        if system is not None:
            self.add_message("system", system)

    def add_message(self, role, content):
        """Appends a message (role: system, user, assistant or tool) without generating."""
        check(lib.hearth_session_add_message(self.handle, role.encode(), content.encode()))

    def reset(self, system=None):
        """Starts a new conversation (with `system`, or the one given to the constructor)."""
        check(lib.hearth_session_reset(self.handle))
        system = self._system if system is None else system
        if system is not None:
            self.add_message("system", system)

    def save(self, path):
        check(lib.hearth_session_save(self.handle, str(path).encode()))

    def load(self, path):
        check(lib.hearth_session_load(self.handle, str(path).encode()))

    def cancel(self):
        """Stops a reply being generated (any thread)."""
        check(lib.hearth_session_cancel(self.handle))

    def send(self, text, **overrides):
        """Adds the user's message now and returns a generator of the reply's text pieces (the
        generation starts at the first iteration). After the loop, last_result holds
        n_prompt_tokens (evaluated after prefix reuse), n_generated, stop_reason, timings.

        Structured output and tools (docs/tools.md): grammar= (GBNF) or json_schema= (a dict)
        constrains the reply; tools= (OpenAI tool dicts) with tool_choice= ("auto", "none",
        "required", a function name; parallel_tool_calls=False: one call at most) offers
        tools, and after the loop tool_calls holds the
        reply's calls (OpenAI-shaped dicts, [] when none). Answer each with
        add_message("tool", result), then call reply()."""
        unknown = set(overrides) - set(_GENERATE_KEYS)
        if unknown:
            raise TypeError(f"unknown generation parameters: {', '.join(sorted(unknown))}")
        if self._busy:
            raise RuntimeError("a reply is already being generated on this chat")
        self.add_message("user", text)
        return self._stream({**self._defaults, **overrides})

    def reply(self, **overrides):
        """Generates the next assistant turn without adding a user message (after tool
        results); a generator of text pieces, as send()."""
        unknown = set(overrides) - set(_GENERATE_KEYS)
        if unknown:
            raise TypeError(f"unknown generation parameters: {', '.join(sorted(unknown))}")
        return self._stream({**self._defaults, **overrides})

    def _stream(self, options):
        if self._busy:
            raise RuntimeError("a reply is already being generated on this chat")
        handle = self.handle
        # One piece in flight: the reply advances with the reader, so leaving the loop stops it
        # within a piece or two however fast the model is.
        pieces = queue.Queue(maxsize=1)
        stop = threading.Event()
        keep_alive = _GenerateCall(options, pieces, stop)
        result = _lib.GenerationResult()
        result.struct_size = ctypes.sizeof(result)
        outcome = {}

        def worker():
            try:
                outcome["status"] = lib.hearth_session_generate(
                    handle, ctypes.byref(keep_alive.params), ctypes.byref(result))
                outcome["error"] = lib.hearth_last_error().decode("utf-8", "replace")
            finally:
                _hand_over(pieces, stop, _DONE)

        self._busy = True
        thread = threading.Thread(target=worker, name="hearth-chat", daemon=True)
        thread.start()
        try:
            while True:
                piece = pieces.get()
                if piece is _DONE:
                    break
                yield piece
        finally:
            # Reached on completion, and when the caller leaves the loop early (the generator
            # is closed): the callback then stops the generation.
            stop.set()
            thread.join()
            self._busy = False
            self.tool_calls = json.loads(_lib.read_text(lib.hearth_session_tool_calls, handle))
            self.last_result = {
                "n_prompt_tokens": result.n_prompt_tokens,
                "n_generated": result.n_generated,
                "stop_reason": STOP_REASONS.get(result.stop_reason, str(result.stop_reason)),
                "time_to_first_token_ms": result.time_to_first_token_ms,
                "prompt_tokens_per_s": result.prompt_tokens_per_s,
                "gen_tokens_per_s": result.gen_tokens_per_s,
            }
        status = outcome.get("status", 8)
        if status not in (0, CANCELLED):  # a cancelled reply is a normal way to stop
            raise HearthError(status, outcome.get("error", ""))


def _hand_over(pieces, stop, item):
    """Puts item once the reader has taken the previous one; gives up when the reader has left
    (stop set), so the generating thread never blocks on a reader that is gone."""
    while not stop.is_set():
        try:
            pieces.put(item, timeout=0.01)
            return
        except queue.Full:
            continue


class _GenerateCall:
    """The C structures and the callback of one hearth_session_generate call (kept alive for
    its duration)."""

    def __init__(self, options, pieces, stop):
        self.sampler = _lib.SamplerParams()
        _lib.init_params(lib.hearth_sampler_params_init, self.sampler)
        for key, default in _SAMPLER_DEFAULTS.items():
            setattr(self.sampler, key, options.get(key, default))
        if options.get("seed") is not None:
            self.sampler.seed = options["seed"]
        self.sampler.grammar, self.sampler.json_schema = _lib.grammar_arguments(
            options.get("grammar"), options.get("json_schema"))
        self.params = _lib.GenerateParams()
        _lib.init_params(lib.hearth_generate_params_init, self.params)
        self.params.max_tokens = options.get("max_tokens", 256)
        self.params.sampler = ctypes.pointer(self.sampler)
        self.stops = [s.encode() for s in options.get("stop", ())]
        self.stop_arr = (ctypes.c_char_p * max(1, len(self.stops)))(*self.stops)
        self.params.stop_strings = self.stop_arr
        self.params.n_stop_strings = len(self.stops)
        self.params.tools_json, self.params.tool_choice = _lib.tools_arguments(
            options.get("tools"), options.get("tool_choice"))
        self.params.max_tool_calls = 0 if options.get("parallel_tool_calls", True) else 1

        def on_token(event_p, _user):
            ev = event_p.contents
            if ev.text_len:  # complete UTF-8 (hearth holds split characters back)
                _hand_over(pieces, stop,
                           ctypes.string_at(ev.text, ev.text_len).decode("utf-8", "replace"))
            return 1 if stop.is_set() else 0

        self.callback = _lib.TOKEN_CALLBACK(on_token)
        self.params.on_token = self.callback
