"""hearth.Model: a loaded GGUF model (read-only, shareable across threads)."""
import ctypes

from ._lib import check, lib, model_p, read_text


class Model:
    def __init__(self, path):
        handle = model_p()
        check(lib.hearth_model_load(str(path).encode(), None, ctypes.byref(handle)))
        self._handle = handle

    def close(self):
        if getattr(self, "_handle", None):
            lib.hearth_model_free(self._handle)
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
            raise ValueError("the model is closed")
        return self._handle

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
