"""Forward pass of the Q4_1 / Q5_0 / Q5_1 / Q5_K_M / Q3_K_M / Q2_K weight types against llama.cpp:
hearth quantizes the synthetic llama-d256 F16 model (byte-identical to llama-quantize, see
quantize_check.py), then llama.cpp (the peer) and hearth evaluate the same 64 pseudo-random
prompt tokens on that file; the logits after the prompt must agree within the bounds the
fidelity tests hold Q4_0 / Q4_K_M to (test_forward.cpp: max |d| 0.06, RMS 0.015), and both must
pick the same next token. The prompt is evaluated twice, in one batch (the batch / gemm kernels)
and in steps of 4 tokens (the dot products, as in decode), so both paths of each type's kernels
are covered; HEARTH_FORCE_ISA selects the kernel set (ctest runs it at the best ISA and avx2).

usage: quant_forward_check.py HEARTH_CLI SHARED_DIR [--work DIR]
Needs HEARTH_LIBRARY (libhearth.so) and PYTHONPATH=python/. Exit 0: all match; 1: a mismatch,
or (with CI=true) missing test data or peer; 77: data or peer missing outside CI (a skip).
"""
import json
import math
import os
import struct
import sys
import tempfile

import hearth
from peer_common import check_args, run, unavailable  # noqa: E402

TYPES = ["q4_1", "q5_0", "q5_1", "q5_k_m", "q3_k_m", "q2_k"]
PROMPT_TOKENS = 64
MAX_ABS, MAX_RMS = 0.06, 0.015


def read_f32(path):
    with open(path, "rb") as f:
        raw = f.read()
    return struct.unpack(f"<{len(raw) // 4}f", raw)


def main():
    cli, shared, work_arg = check_args()
    src = os.path.join(shared, "models", "synth", "llama-d256-f16.gguf")
    peer = os.path.join(shared, "tools", "peer-llamacpp", "run.sh")
    if not os.path.isfile(src) or not os.path.isfile(peer):
        return unavailable(f"test data not found: {src} or {peer}")
    work = work_arg or tempfile.mkdtemp(prefix="hearth-quant-forward-")
    os.makedirs(work, exist_ok=True)
    isa = os.environ.get("HEARTH_FORCE_ISA", "best")
    all_ok = True
    for t in TYPES:
        model = os.path.join(work, f"llama-d256-{t}.gguf")
        if not os.path.isfile(model):
            run([cli, "quantize", "--quiet", src, model, t])
        logits_path = os.path.join(work, f"llama-d256-{t}.logits.f32")
        try:
            want = json.loads(run([peer, model, "--threads", "1", "--prompt-tokens",
                                   str(PROMPT_TOKENS), "--gen-tokens", "1", "--logits-out",
                                   logits_path]))
        except RuntimeError as e:
            if "npm install" in str(e):
                return unavailable(f"the llama.cpp peer could not be installed ({e})")
            raise
        ref = read_f32(logits_path)
        ids = want["prompt_ids"]
        with hearth.Model(model) as m:
            # n_batch 512: the prompt in one batch (the gemm kernels); n_batch 4: in steps of 4
            # tokens, below every batch kernel's min_tokens (the dot products, as in decode).
            runs = {}
            for n_batch in (512, 4):
                with m.context(n_ctx=len(ids), n_threads=2, n_batch=n_batch) as ctx:
                    ctx.decode(ids)
                    runs[n_batch] = ctx.logits()
        for n_batch, got in runs.items():
            d = [abs(a - b) for a, b in zip(got, ref)]
            max_abs = max(d) if d and len(got) == len(ref) else math.inf
            rms = math.sqrt(sum(v * v for v in d) / len(d)) if d else math.inf
            top = max(range(len(got)), key=got.__getitem__)
            ok = max_abs <= MAX_ABS and rms <= MAX_RMS and top == want["greedy_tokens"][0]
            print(f"{'ok  ' if ok else 'FAIL'} {t} (isa {isa}, batch {n_batch}): logits after "
                  f"{len(ids)} tokens max |d| {max_abs:.4f} rms {rms:.5f}, next token hearth {top} "
                  f"/ llama.cpp {want['greedy_tokens'][0]}")
            all_ok &= ok
    print("quant forward check: all types match" if all_ok else "quant forward check: MISMATCH")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
