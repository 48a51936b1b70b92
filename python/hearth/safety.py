"""hearth.ContentFilter: the content-safety filter (docs/security.md) through the C ABI.

    f = hearth.ContentFilter(rules_path="my.rules", level="strict")
    f.check("some user message")          # None, or the blocking rule's category
    req = engine.submit(messages=[...], filter=f)   # input checked at submit, output screened
    req.result().finish_reason            # "content_filter" when the reply was blocked

A filter is immutable: any thread may use it. Requests keep their own reference, so closing
the filter while they run is safe.
"""
import ctypes

from . import _lib
from ._lib import OwnedHandle, check, lib

LEVELS = {"off": 0, "standard": 1, "strict": 2}


class ContentFilter(OwnedHandle):
    _free = staticmethod(lib.hearth_filter_free)
    _what = "content filter"

    def __init__(self, rules_path=None, *, rules=None, level="standard"):
        """Rules from a file (rules_path) or given as text (rules); exactly one."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {sorted(LEVELS)}, not {level!r}")
        p = _lib.init_params(lib.hearth_filter_params_init, _lib.FilterParams())
        p.level = LEVELS[level]
        if rules_path is not None:
            p.rules_path = str(rules_path).encode("utf-8")
        if rules is not None:
            p.rules_text = rules.encode("utf-8")
        handle = _lib.filter_p()
        check(lib.hearth_filter_create(ctypes.byref(p), ctypes.byref(handle)))
        self._handle = handle
        self.level = level

    def check(self, text):
        """The category of the first rule that blocks `text`, or None when it is allowed."""
        data = text.encode("utf-8")
        blocked = ctypes.c_int(0)
        length = ctypes.c_size_t(0)
        buf = ctypes.create_string_buffer(256)
        status = lib.hearth_filter_check(self.handle, data, len(data), ctypes.byref(blocked), buf,
                                         len(buf), ctypes.byref(length))
        if status == _lib.BUFFER_TOO_SMALL:
            buf = ctypes.create_string_buffer(length.value + 1)
            status = lib.hearth_filter_check(self.handle, data, len(data), ctypes.byref(blocked),
                                             buf, len(buf), ctypes.byref(length))
        check(status)
        return buf.raw[:length.value].decode("utf-8") if blocked.value else None
