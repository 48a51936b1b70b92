"""hearth quantize against llama.cpp's own quantizer, byte for byte, for every type.

1. The shared SHA-256 list (models/reference/llama.cpp-quantize.sha256: what llama-quantize wrote
   from two shared files for ten types) must match hearth's output exactly.
2. Live: llama.cpp quantizes fresh inputs (synthesized models of several shapes, a shared
   quantized model, the shared sources for the types the list lacks) and hearth must write the
   same bytes. The ten types of the shared peer tool go through `run.sh quantize`; the others
   (Q2_K, Q3_K_S/M/L, Q4_K_S, Q5_K_S) through tests/peer/llama_quantize.cpp, built against the
   same llama.cpp libraries.

usage: quantize_check.py HEARTH_CLI SHARED_DIR [--work DIR]
Exit 0: all match; 1: a mismatch, or (with CI=true) missing data or a peer that cannot be
installed; 77: data or peer missing outside CI (a ctest skip).
"""
import hashlib
import os
import shutil
import struct
import sys
import tempfile
from peer_common import check_args, run, unavailable

PEER_TYPES = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k_m", "q5_k_m", "q6_k"}
# llama_ftype numbers (for tests/peer/llama_quantize.cpp).
FTYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q8_0": 7, "q5_0": 8, "q5_1": 9, "q2_k": 10,
          "q3_k_s": 11, "q3_k_m": 12, "q3_k_l": 13, "q4_k_s": 14, "q4_k_m": 15, "q5_k_s": 16,
          "q5_k_m": 17, "q6_k": 18, "bf16": 32}
OTHER_TYPES = set(FTYPES) - PEER_TYPES - {"f32"}  # the types run.sh does not name
ALL_TYPES = sorted(PEER_TYPES | set(OTHER_TYPES))
SOURCES = {"stories260K": "models/real/stories260K.gguf",
           "llama-d256-f16": "models/synth/llama-d256-f16.gguf"}




def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def first_difference(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        da, db = fa.read(), fb.read()
    n = min(len(da), len(db))
    i = next((k for k in range(n) if da[k] != db[k]), n)
    return f"sizes {len(da)} / {len(db)}, first difference at byte {i}"


def set_u32_key(path, key, value):
    """Rewrites a u32 metadata value in place (same size, so the file stays valid)."""
    with open(path, "r+b") as f:
        data = f.read(1 << 20)
        enc = struct.pack("<Q", len(key)) + key.encode() + struct.pack("<I", 4)
        pos = data.find(enc)
        if pos < 0:
            raise RuntimeError(f"{path}: no u32 key {key}")
        f.seek(pos + len(enc))
        f.write(struct.pack("<I", value))


class Peer:
    def __init__(self, shared, work):
        self.run_sh = os.path.join(shared, "tools", "peer-llamacpp", "run.sh")
        self.work = work
        self.binary = None

    def install(self):
        """Installs the shared peer (first use) and builds llama_quantize against it."""
        probe = os.path.join(self.work, "probe.gguf")
        run([self.run_sh, "quantize", os.path.join(self.work, "src-stories260K.gguf"), probe, "q8_0"])
        cache = os.environ.get("HEARTH_PEER_CACHE",
                               os.path.expanduser("~/.cache/hearth-peer-llamacpp"))
        self.libdir = os.path.join(cache, "node_modules", "@node-llama-cpp", "linux-x64", "bins",
                                   "linux-x64")
        self.binary = os.path.join(self.work, "llama_quantize")
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llama_quantize.cpp")
        libs = [os.path.join(self.libdir, n)
                for n in ("libllama.v0.5.0.so", "libggml.v0.5.0.so", "libggml-base.so")]
        run(["g++", "-O2", "-std=c++17", "-I" + os.path.join(cache, "include"), src, "-o",
             self.binary] + libs + ["-Wl,-rpath," + self.libdir])

    def quantize(self, src, out, qtype, requantize=False):
        if qtype in PEER_TYPES and not requantize:
            run([self.run_sh, "quantize", src, out, qtype])
        else:
            env = dict(os.environ, PEER_LIBDIR=self.libdir)
            extra = ["--allow-requantize"] if requantize else []
            run([self.binary, src, out, str(FTYPES[qtype])] + extra, env=env)


def main():
    cli, shared, work_arg = check_args()
    work = work_arg or tempfile.mkdtemp(prefix="hearth-quantize-check-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    sha_list = os.path.join(shared, "models", "reference", "llama.cpp-quantize.sha256")
    needed = [sha_list] + [os.path.join(shared, p) for p in SOURCES.values()] + [
        os.path.join(shared, "models", "real", "TinyStories-656K-Q8_0.gguf")]
    missing = [p for p in needed if not os.path.exists(p)]
    if missing:
        return unavailable(f"missing test data {missing[0]}", "the quantizer check")
    for name, rel in SOURCES.items():
        shutil.copy(os.path.join(shared, rel), os.path.join(work, f"src-{name}.gguf"))

    failures = []

    def hearth_quantize(src, qtype, out):
        run([cli, "quantize", "--quiet", "--threads", "2", src, out, qtype])

    # 1. The recorded outputs of llama-quantize.
    with open(sha_list) as f:
        entries = [line.split() for line in f if line.strip()]
    for digest, source, qtype in entries:
        out = os.path.join(work, "hearth.gguf")
        hearth_quantize(os.path.join(work, f"src-{source}.gguf"), qtype, out)
        ok = sha256(out) == digest
        print(f"{'ok' if ok else 'MISMATCH'}  sha256 list  {source} {qtype}")
        if not ok:
            failures.append(f"{source} {qtype} (sha256 list)")
    listed = {(s, t) for _, s, t in entries}

    # 2. Live runs of llama.cpp's quantizer.
    peer = Peer(shared, work)
    try:
        peer.install()
    except (RuntimeError, OSError) as e:
        print(str(e)[-1500:])
        if failures:
            return 1
        return unavailable("the llama.cpp peer could not be installed", "the quantizer check")
    vocab = os.path.join(shared, "models", "real", "stories260K.gguf")  # 512 tokens: fast
    live = {}
    for preset in ("tiny-llama", "tiny-qwen2"):
        path = os.path.join(work, f"src-{preset}.gguf")
        run([cli, "synth", "--preset", preset, "--vocab", vocab, "--type", "f16", "-o", path])
        live[preset] = ALL_TYPES
    # GQA 4: Q2_K gives attn_v Q4_K instead of Q3_K (only the metadata is read for the mix).
    gqa4 = os.path.join(work, "src-tiny-llama-gqa4.gguf")
    shutil.copy(os.path.join(work, "src-tiny-llama.gguf"), gqa4)
    set_u32_key(gqa4, "llama.attention.head_count_kv", 1)
    live["tiny-llama-gqa4"] = ["q2_k", "q3_k_m", "q4_k_s"]
    shutil.copy(os.path.join(shared, "models", "real", "TinyStories-656K-Q8_0.gguf"),
                os.path.join(work, "src-TinyStories-656K-Q8_0.gguf"))
    # A quantized input: llama.cpp dequantizes it first, as hearth does.
    live["TinyStories-656K-Q8_0"] = ["q6_k", "q5_k_m", "q4_1", "q3_k_m", "q2_k"]
    requantized = {"TinyStories-656K-Q8_0"}
    for name in SOURCES:
        live[name] = [t for t in ALL_TYPES if (name, t) not in listed]
    for name, types in live.items():
        src = os.path.join(work, f"src-{name}.gguf")
        for qtype in types:
            want, got = os.path.join(work, "llama.gguf"), os.path.join(work, "hearth.gguf")
            peer.quantize(src, want, qtype, name in requantized)
            hearth_quantize(src, qtype, got)
            ok = sha256(want) == sha256(got)
            print(f"{'ok' if ok else 'MISMATCH'}  llama.cpp live  {name} {qtype}"
                  + ("" if ok else f"  ({first_difference(got, want)})"))
            if not ok:
                failures.append(f"{name} {qtype} (live)")
    if failures:
        print(f"FAIL: {len(failures)} outputs differ from llama.cpp's: {', '.join(failures)}")
        return 1
    print("all outputs byte-identical to llama.cpp's quantizer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
