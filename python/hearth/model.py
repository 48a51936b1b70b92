"""hearth.Model: a loaded GGUF model (read-only, shareable across threads)."""
import ctypes

from ._lib import (BUFFER_TOO_SMALL, ModelParams, OwnedHandle, check, init_params, lib, model_p,
                   read_text)


class Model(OwnedHandle):
    _free = staticmethod(lib.hearth_model_free)
    _what = "model"
    def __init__(self, path, repack_cache=None):
        """repack_cache: a directory for the cache of the weights repacked at load (created if
        absent); a later load of the same unchanged file maps it instead of repacking. None:
        the environment's HEARTH_REPACK_CACHE, else no cache. Ignored on Windows."""
        handle = model_p()
        params = None
        if repack_cache:
            params = init_params(lib.hearth_model_params_init, ModelParams())
            params.repack_cache = str(repack_cache).encode()
            params = ctypes.byref(params)
        check(lib.hearth_model_load(str(path).encode(), params, ctypes.byref(handle)))
        self._handle = handle
        self._path = str(path)
        self._embedders = {}

    def _query(self, fn, ctype):
        out = ctype()
        check(fn(self.handle, ctypes.byref(out)))
        return out.value

    @property
    def architecture(self):
        return self._query(lib.hearth_model_architecture, ctypes.c_char_p).decode()

    @property
    def file_type(self):
        return self._query(lib.hearth_model_file_type, ctypes.c_char_p).decode()

    @property
    def n_params(self):
        return self._query(lib.hearth_model_n_params, ctypes.c_uint64)

    @property
    def context_length(self):
        return self._query(lib.hearth_model_context_length, ctypes.c_int32)

    @property
    def vocab_size(self):
        return self._query(lib.hearth_model_vocab_size, ctypes.c_int32)

    @property
    def tensor_count(self):
        return self._query(lib.hearth_model_tensor_count, ctypes.c_int64)

    @property
    def metadata(self):
        """All metadata as {key: text}; arrays are abbreviated."""
        n = self._query(lib.hearth_model_meta_count, ctypes.c_int64)
        out = {}
        for i in range(n):
            key = ctypes.c_char_p()
            check(lib.hearth_model_meta_key(self.handle, i, ctypes.byref(key)))
            out[key.value.decode()] = self.meta(key.value.decode())
        return out

    def meta(self, key):
        return read_text(lib.hearth_model_meta_string, self.handle, key.encode())

    def context(self, n_ctx=2048, n_threads=0, n_batch=512):
        """A new Context (KV cache) over this model."""
        from .context import Context
        return Context(self, n_ctx=n_ctx, n_threads=n_threads, n_batch=n_batch)

    def logits(self, prompt_ids, n_threads=0):
        """The logits (list of n_vocab floats) after evaluating prompt_ids from an empty context."""
        ids = list(prompt_ids)
        with self.context(n_ctx=max(1, len(ids)), n_threads=n_threads) as ctx:
            ctx.decode(ids)
            return ctx.logits()

    def generate(self, prompt_ids, max_tokens=256, temperature=0.0, top_k=0, seed=None, stop=(),
                 on_token=None, n_ctx=None, n_threads=0, **sampling):
        """Generates after prompt_ids in a fresh context: greedy unless temperature > 0.
        sampling: the other keyword options of Context.generate (top_p, min_p, typical_p,
        repeat_penalty, frequency_penalty, presence_penalty, penalty_last_n, logit_bias).
        Returns a dict: tokens, text, stop_reason, timings."""
        ids = list(prompt_ids)
        n_ctx = n_ctx or min(max(1, self.context_length), len(ids) + max_tokens)
        with self.context(n_ctx=n_ctx, n_threads=n_threads) as ctx:
            return ctx.generate(ids, max_tokens=max_tokens, temperature=temperature, top_k=top_k,
                                seed=seed, stop=stop, on_token=on_token, **sampling)

    # ---- tokenizer
    def tokenize(self, text, add_special=True, parse_special=False):
        """Text (str or bytes) -> list of token ids."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        n = ctypes.c_size_t(0)
        status = lib.hearth_tokenize(self.handle, data, len(data), int(add_special),
                                     int(parse_special), None, 0, ctypes.byref(n))
        if status not in (0, BUFFER_TOO_SMALL):
            check(status)
        buf = (ctypes.c_int32 * max(1, n.value))()
        check(lib.hearth_tokenize(self.handle, data, len(data), int(add_special),
                                  int(parse_special), buf, n.value, ctypes.byref(n)))
        return list(buf[:n.value])

    def detokenize(self, tokens, remove_special=True):
        """List of token ids -> str (invalid UTF-8 replaced)."""
        arr = (ctypes.c_int32 * max(1, len(tokens)))(*tokens)
        return read_text(lib.hearth_detokenize, self.handle, arr, len(tokens), int(remove_special))

    @property
    def bos_token(self):
        return self._query(lib.hearth_token_bos, ctypes.c_int32)

    @property
    def eos_token(self):
        return self._query(lib.hearth_token_eos, ctypes.c_int32)

    def is_eog(self, token):
        out = ctypes.c_int(0)
        check(lib.hearth_token_is_eog(self.handle, token, ctypes.byref(out)))
        return bool(out.value)


# ---------------------------------------------------------------- embeddings (docs/embeddings.md)
class _EmbedderParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("pooling", ctypes.c_int32),
                ("normalize", ctypes.c_int32), ("truncate", ctypes.c_int32),
                ("n_threads", ctypes.c_int32)]


_POOLINGS = {None: -1, "none": 0, "mean": 1, "cls": 2, "last": 3, "rank": 4}
_embedder_p = ctypes.c_void_p
_c_texts = ctypes.POINTER(ctypes.c_char_p)
for _name, _res, _args in [
        ("hearth_embedder_params_init", ctypes.c_int, [ctypes.POINTER(_EmbedderParams),
                                                       ctypes.c_size_t]),
        ("hearth_embedder_load", ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_EmbedderParams),
                                                ctypes.POINTER(_embedder_p)]),
        ("hearth_embedder_free", None, [_embedder_p]),
        ("hearth_embedder_dim", ctypes.c_int, [_embedder_p, ctypes.POINTER(ctypes.c_int32)]),
        ("hearth_embed", ctypes.c_int, [_embedder_p, _c_texts, ctypes.c_size_t,
                                        ctypes.POINTER(ctypes.c_float), ctypes.c_size_t,
                                        ctypes.POINTER(ctypes.c_size_t)]),
        ("hearth_rerank", ctypes.c_int, [_embedder_p, ctypes.c_char_p, _c_texts, ctypes.c_size_t,
                                         ctypes.POINTER(ctypes.c_float)])]:
    _fn = getattr(lib, _name, None)
    if _fn is not None:
        _fn.restype, _fn.argtypes = _res, _args


class _Embedder(OwnedHandle):
    _free = staticmethod(lib.hearth_embedder_free)
    _what = "embedder"

    def __init__(self, path, pooling, normalize, truncate, n_threads):
        if pooling not in _POOLINGS:
            raise ValueError(f"pooling must be one of {sorted(k for k in _POOLINGS if k)}")
        p = _EmbedderParams()
        check(lib.hearth_embedder_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        p.pooling, p.normalize = _POOLINGS[pooling], int(bool(normalize))
        p.truncate, p.n_threads = int(bool(truncate)), int(n_threads)
        handle = _embedder_p()
        check(lib.hearth_embedder_load(path.encode(), ctypes.byref(p), ctypes.byref(handle)))
        self._handle = handle
        dim = ctypes.c_int32()
        check(lib.hearth_embedder_dim(self.handle, ctypes.byref(dim)))
        self.dim = dim.value


def _c_strings(texts):
    arr = (ctypes.c_char_p * max(1, len(texts)))()
    for i, t in enumerate(texts):
        arr[i] = t.encode()
    return arr


def _embedder(model, pooling, normalize, truncate, n_threads):
    key = (pooling, bool(normalize), bool(truncate), int(n_threads))
    if key not in model._embedders:
        model._embedders[key] = _Embedder(model._path, *key)
    return model._embedders[key]


def _embed(self, texts, pooling=None, normalize=True, truncate=False, n_threads=0):
    """Embeddings of texts (a list of str): a list of lists of floats, one per text, L2-normalised
    unless normalize=False. pooling: None (the model's), "none", "mean", "cls" or "last"."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    e = _embedder(self, pooling, normalize, truncate, n_threads)
    n = len(texts) * e.dim
    out = (ctypes.c_float * max(1, n))()
    check(lib.hearth_embed(e.handle, _c_strings(texts), len(texts), out, n, None))
    return [list(out[i * e.dim:(i + 1) * e.dim]) for i in range(len(texts))]


def _rerank(self, query, docs, truncate=False, n_threads=0):
    """Relevance scores of docs (list of str) for query with a reranking model, in input order."""
    docs = list(docs)
    e = _embedder(self, None, True, truncate, n_threads)
    out = (ctypes.c_float * max(1, len(docs)))()
    check(lib.hearth_rerank(e.handle, query.encode(), _c_strings(docs), len(docs), out))
    return list(out[:len(docs)])


Model.embed = _embed
Model.rerank = _rerank
