"""hearth.KnowledgeBase: a local knowledge base (docs/kb.md) through the C ABI (hearth_kb_*).

    kb = hearth.KnowledgeBase("notes.kb", embed_model="bge-small.gguf", create=True)
    stats = kb.add(["~/notes", "paper.pdf"])     # new and changed files only
    kb.sync("~/notes")                           # also forgets deleted files
    for hit in kb.search("how do I rotate keys?", k=5, mode="hybrid"):
        print(hit.path, hit.page or hit.line, hit.score, hit.text[:80])

embed_model "hash:DIM" is a deterministic, NON-semantic embedder for tests. A KnowledgeBase is
used by one thread at a time; several processes may share one file.
"""
import ctypes
from dataclasses import dataclass
from typing import List, Optional, Tuple

from . import _lib
from ._lib import OwnedHandle, check, lib

MODES = {"hybrid": 0, "vector": 1, "bm25": 2}

kb_p = ctypes.c_void_p
results_p = ctypes.c_void_p


class _KbParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("embed_model", ctypes.c_char_p),
                ("create", ctypes.c_int32), ("n_threads", ctypes.c_int32),
                ("chunk_tokens", ctypes.c_int32), ("chunk_overlap", ctypes.c_int32),
                ("key_file", ctypes.c_char_p)]


class _IndexStats(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("files_indexed", ctypes.c_int32),
                ("files_unchanged", ctypes.c_int32), ("files_removed", ctypes.c_int32),
                ("files_failed", ctypes.c_int32), ("chunks_added", ctypes.c_int64),
                ("seconds", ctypes.c_double), ("embed_seconds", ctypes.c_double),
                ("issues", ctypes.c_char_p)]


class _SearchParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("k", ctypes.c_int32), ("mode", ctypes.c_int32)]


class _Hit(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("path", ctypes.c_char_p),
                ("text", ctypes.c_char_p), ("chunk", ctypes.c_int32), ("page", ctypes.c_int32),
                ("line", ctypes.c_int32), ("score", ctypes.c_double)]


_d = _lib._declare
_d("hearth_kb_params_init", _lib.c_status, ctypes.POINTER(_KbParams), ctypes.c_size_t)
_d("hearth_kb_search_params_init", _lib.c_status, ctypes.POINTER(_SearchParams), ctypes.c_size_t)
_d("hearth_kb_open", _lib.c_status, ctypes.c_char_p, ctypes.POINTER(_KbParams),
   ctypes.POINTER(kb_p))
_d("hearth_kb_free", None, kb_p)
_d("hearth_kb_add", _lib.c_status, kb_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
   ctypes.POINTER(_IndexStats))
_d("hearth_kb_sync", _lib.c_status, kb_p, ctypes.c_char_p, ctypes.POINTER(_IndexStats))
_d("hearth_kb_remove", _lib.c_status, kb_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
   ctypes.POINTER(ctypes.c_int32))
_d("hearth_kb_search", _lib.c_status, kb_p, ctypes.c_char_p, ctypes.POINTER(_SearchParams),
   ctypes.POINTER(results_p))
_d("hearth_kb_results_count", _lib.c_status, results_p, ctypes.POINTER(ctypes.c_size_t))
_d("hearth_kb_results_get", _lib.c_status, results_p, ctypes.c_size_t, ctypes.POINTER(_Hit))
_d("hearth_kb_results_free", None, results_p)
_d("hearth_kb_results_prompt", _lib.c_status, results_p, ctypes.c_char_p, ctypes.c_char_p,
   ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))


@dataclass
class SearchHit:
    path: str
    text: str
    chunk: int
    page: Optional[int]  # PDF page (from 1), else None
    line: Optional[int]  # line of a text or HTML source (from 1), else None
    score: float


@dataclass
class IndexStats:
    files_indexed: int
    files_unchanged: int
    files_removed: int
    files_failed: int
    chunks_added: int
    seconds: float
    embed_seconds: float
    issues: List[str]  # "error: PATH: why" / "warning: PATH: why"


def _paths(paths):
    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]
    enc = [str(p).encode("utf-8") for p in paths]
    return (ctypes.c_char_p * len(enc))(*enc), len(enc)


def _stats(s):
    issues = s.issues.decode("utf-8", "replace").splitlines() if s.issues else []
    return IndexStats(s.files_indexed, s.files_unchanged, s.files_removed, s.files_failed,
                      s.chunks_added, s.seconds, s.embed_seconds, issues)


class KnowledgeBase(OwnedHandle):
    _free = staticmethod(lib.hearth_kb_free)
    _what = "knowledge base"

    def __init__(self, path, embed_model=None, *, create=False, n_threads=0, chunk_tokens=0,
                 chunk_overlap=-1, key_file=None):
        p = _lib.init_params(lib.hearth_kb_params_init, _KbParams())
        if embed_model is not None:
            p.embed_model = str(embed_model).encode("utf-8")
        p.create = 1 if create else 0
        p.n_threads = n_threads
        p.chunk_tokens = chunk_tokens
        p.chunk_overlap = chunk_overlap
        if key_file is not None:
            p.key_file = str(key_file).encode("utf-8")
        handle = kb_p()
        check(lib.hearth_kb_open(str(path).encode("utf-8"), ctypes.byref(p), ctypes.byref(handle)))
        self._handle = handle

    def add(self, paths) -> IndexStats:
        """Indexes files and folders; problems with single files are in .issues."""
        arr, n = _paths(paths)
        s = _IndexStats(struct_size=ctypes.sizeof(_IndexStats))
        check(lib.hearth_kb_add(self.handle, arr, n, ctypes.byref(s)))
        return _stats(s)

    def sync(self, folder) -> IndexStats:
        s = _IndexStats(struct_size=ctypes.sizeof(_IndexStats))
        check(lib.hearth_kb_sync(self.handle, str(folder).encode("utf-8"), ctypes.byref(s)))
        return _stats(s)

    def remove(self, paths) -> int:
        arr, n = _paths(paths)
        removed = ctypes.c_int32(0)
        check(lib.hearth_kb_remove(self.handle, arr, n, ctypes.byref(removed)))
        return removed.value

    def search(self, query, k=5, mode="hybrid") -> List[SearchHit]:
        return self._search(query, k, mode, False)[0]

    def ground(self, question, k=4, mode="hybrid") -> Tuple[str, List[SearchHit]]:
        """Answers with sources: (message, sources). `message` is what to send a chat model
        instead of `question` (the passages numbered [1].., an instruction to cite them, the
        question: hearth_kb_results_prompt); sources[n - 1] is the passage a reply's [n] cites.

            message, sources = kb.ground("how do I rotate keys?")
            reply = chat.send(message)
            for n, s in enumerate(sources, 1): print(f"[{n}] {s.path}:{s.line or s.page}")
        """
        hits, message = self._search(question, k, mode, True)
        return message, hits

    def _search(self, query, k, mode, prompt):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
        p = _lib.init_params(lib.hearth_kb_search_params_init, _SearchParams())
        p.k = k
        p.mode = MODES[mode]
        res = results_p()
        check(lib.hearth_kb_search(self.handle, query.encode("utf-8"), ctypes.byref(p),
                                   ctypes.byref(res)))
        try:
            count = ctypes.c_size_t(0)
            check(lib.hearth_kb_results_count(res, ctypes.byref(count)))
            hits = []
            for i in range(count.value):
                h = _Hit(struct_size=ctypes.sizeof(_Hit))
                check(lib.hearth_kb_results_get(res, i, ctypes.byref(h)))
                hits.append(SearchHit(h.path.decode("utf-8"), h.text.decode("utf-8"), h.chunk,
                                      h.page or None, h.line or None, h.score))
            message = (_lib.read_text(lib.hearth_kb_results_prompt, res, query.encode("utf-8"))
                       if prompt else None)
            return hits, message
        finally:
            lib.hearth_kb_results_free(res)
