"""hearth.Context: a KV cache over a Model; decode token ids and read logits; generate."""
import ctypes

from . import _lib
from ._lib import OwnedHandle, check, lib

STOP_REASONS = {0: "eog", 1: "max_tokens", 2: "stop_string", 3: "cancelled"}


def _ids(tokens):
    tokens = list(tokens)
    return (_lib.token_t * len(tokens))(*tokens), len(tokens)


class Context(OwnedHandle):
    """One sequence's KV cache. Use from one thread at a time (cancel() from any thread)."""
    _free = staticmethod(lib.hearth_context_free)
    _what = "context"

    def __init__(self, model, n_ctx=2048, n_threads=0, n_batch=512):
        params = _lib.ContextParams()
        _lib.init_params(lib.hearth_context_params_init, params)
        params.n_ctx, params.n_threads, params.n_batch = n_ctx, n_threads, n_batch
        handle = _lib.context_p()
        check(lib.hearth_context_new(model.handle, ctypes.byref(params), ctypes.byref(handle)))
        self._model = model  # the model must outlive the context
        self._handle = handle

    @property
    def n_past(self):
        out = ctypes.c_int32()
        check(lib.hearth_context_n_past(self.handle, ctypes.byref(out)))
        return out.value

    def set_threads(self, n_threads):
        check(lib.hearth_context_set_threads(self.handle, n_threads))

    def truncate(self, n_keep=0):
        check(lib.hearth_context_truncate(self.handle, n_keep))

    def cancel(self):
        check(lib.hearth_context_cancel(self.handle))

    def decode(self, tokens):
        arr, n = _ids(tokens)
        check(lib.hearth_decode(self.handle, arr, n))

    def logits(self):
        """The logits after the last decoded token, as a list of n_vocab floats (a copy)."""
        ptr = ctypes.POINTER(ctypes.c_float)()
        n = ctypes.c_int32()
        check(lib.hearth_logits(self.handle, ctypes.byref(ptr), ctypes.byref(n)))
        return ptr[:n.value]

    def generate(self, prompt_ids, max_tokens=256, temperature=0.0, top_k=0, seed=None,
                 stop=(), on_token=None, *, top_p=1.0, min_p=0.0, typical_p=1.0,
                 repeat_penalty=1.0, frequency_penalty=0.0, presence_penalty=0.0,
                 penalty_last_n=64, logit_bias=None, grammar=None, json_schema=None):
        """Decodes prompt_ids after what the context holds and generates. Returns a dict with
        'tokens', 'text', 'stop_reason' and timings. on_token(token, text) may return True to
        stop; a last on_token(None, text) may release text held back (a possible stop string)
        when an end-of-generation token ends the output.

        Sampling (the C chain, in its order): logit_bias {token: bias} (float('-inf') bans),
        repeat_penalty / frequency_penalty / presence_penalty over the last penalty_last_n
        tokens of prompt + output (0 off, -1 all), top_k (0 off), typical_p, top_p (1 off),
        min_p (0 off), temperature (0 greedy), seed (None: random). Bad values raise
        HearthError (INVALID_ARGUMENT) naming the parameter. Defaults: greedy, all stages off.
        grammar (GBNF text) or json_schema (a dict or JSON text) constrains the output
        (docs/tools.md)."""
        sampler = _lib.SamplerParams()
        _lib.init_params(lib.hearth_sampler_params_init, sampler)
        sampler.temperature = temperature
        sampler.top_k = top_k
        sampler.top_p = top_p
        sampler.min_p = min_p
        sampler.typical_p = typical_p
        sampler.repeat_penalty = repeat_penalty
        sampler.frequency_penalty = frequency_penalty
        sampler.presence_penalty = presence_penalty
        sampler.penalty_last_n = penalty_last_n
        if seed is not None:
            sampler.seed = seed
        biases = list((logit_bias or {}).items())
        bias_arr = (_lib.LogitBias * max(1, len(biases)))(
            *[_lib.LogitBias(int(t), float(b)) for t, b in biases])
        sampler.logit_bias = bias_arr
        sampler.n_logit_bias = len(biases)
        sampler.grammar, sampler.json_schema = _lib.grammar_arguments(grammar, json_schema)
        params = _lib.GenerateParams()
        _lib.init_params(lib.hearth_generate_params_init, params)
        params.max_tokens = max_tokens
        params.sampler = ctypes.pointer(sampler)
        stops = [s.encode() for s in stop]
        stop_arr = (ctypes.c_char_p * max(1, len(stops)))(*stops)
        params.stop_strings = stop_arr
        params.n_stop_strings = len(stops)
        tokens, chunks, errors = [], [], []

        def callback(event_p, _user):
            ev = event_p.contents
            text = ctypes.string_at(ev.text, ev.text_len) if ev.text_len else b""
            chunks.append(text)
            if ev.token < 0:  # the final flush of held-back text: no token
                if on_token is not None and text:
                    on_token(None, text.decode("utf-8", "replace"))
                return 0
            tokens.append(ev.token)
            if on_token is not None:
                try:
                    return 1 if on_token(ev.token, text.decode("utf-8", "replace")) else 0
                except Exception as e:  # never let an exception unwind through C
                    errors.append(e)
                    return 1
            return 0

        params.on_token = _lib.TOKEN_CALLBACK(callback)
        result = _lib.GenerationResult()
        result.struct_size = ctypes.sizeof(result)
        arr, n = _ids(prompt_ids)
        status = lib.hearth_generate(self.handle, arr, n, ctypes.byref(params),
                                     ctypes.byref(result))
        if errors:
            raise errors[0]
        if status != 7:  # CANCELLED by the callback is a normal way to stop
            check(status)
        return {
            "tokens": tokens,
            "text": b"".join(chunks).decode("utf-8", "replace"),
            "stop_reason": STOP_REASONS.get(result.stop_reason, str(result.stop_reason)),
            "n_prompt_tokens": result.n_prompt_tokens,
            "time_to_first_token_ms": result.time_to_first_token_ms,
            "prompt_tokens_per_s": result.prompt_tokens_per_s,
            "gen_tokens_per_s": result.gen_tokens_per_s,
        }
