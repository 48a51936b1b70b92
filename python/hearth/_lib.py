"""Loads libhearth and declares the C functions' signatures."""
import ctypes
import ctypes.util
import os

STATUS_NAMES = {
    0: "OK", 1: "INVALID_ARGUMENT", 2: "IO", 3: "INVALID_MODEL", 4: "UNSUPPORTED",
    5: "OUT_OF_MEMORY", 6: "CONTEXT_FULL", 7: "CANCELLED", 8: "INTERNAL", 9: "TEMPLATE",
    10: "BUFFER_TOO_SMALL",
}
BUFFER_TOO_SMALL = 10


class HearthError(RuntimeError):
    """A hearth call failed; `status` is the hearth_status code, str() the library's message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.status_name = STATUS_NAMES.get(status, str(status))


def _find_library():
    env = os.environ.get("HEARTH_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "libhearth.so"),
                      os.path.join(here, "..", "..", "build", "src", "libhearth.so")):
        if os.path.exists(candidate):
            return candidate
    found = ctypes.util.find_library("hearth")
    if not found:
        raise OSError("libhearth not found: set HEARTH_LIBRARY to the path of libhearth.so")
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
