"""Cross-check against llama.cpp: files that hearth writes (a re-written copy, re-quantized and
converted models) must load in llama.cpp and produce the same greedy tokens as hearth, and a
re-written copy of a shared model must give llama.cpp's reference logits.

usage: peer_check.py HEARTH_CLI SHARED_DIR [--work DIR]
Needs HEARTH_LIBRARY (libhearth.so) and PYTHONPATH=python/. Exit 0: all match; 1: a mismatch,
or (with CI=true) missing test data or a llama.cpp peer that cannot be installed; 77: data or peer
missing outside CI, reported by ctest as a skip.

Greedy continuations are compared whole: hearth's tokens must equal llama.cpp's token for token,
and each must be at least MIN_TOKENS long (a one-token output cannot pass by being a prefix).
"""
import json
import os
import struct
import sys
import tempfile

import hearth
from peer_common import check_args, run, unavailable  # noqa: E402

PROMPT = "Once upon a time"
GEN_TOKENS = 32
MIN_TOKENS = 16  # the shared models continue the prompt for all GEN_TOKENS; far fewer is a bug




def peer(shared, model, logits_out=None):
    cmd = [os.path.join(shared, "tools", "peer-llamacpp", "run.sh"), model, "--threads", "1",
           "--prompt", PROMPT, "--gen-tokens", str(GEN_TOKENS)]
    if logits_out:
        cmd += ["--logits-out", logits_out]
    return json.loads(run(cmd))


def read_f32(path):
    with open(path, "rb") as f:
        raw = f.read()
    return struct.unpack(f"<{len(raw) // 4}f", raw)


def compare(shared, path, label):
    """hearth vs llama.cpp on one file: prompt ids, greedy tokens, logits at llama.cpp's top 5."""
    want = peer(shared, path)
    with hearth.Model(path) as m:
        ids = m.tokenize(PROMPT)
        got = m.generate(want["prompt_ids"], max_tokens=GEN_TOKENS, n_threads=1)["tokens"]
        logits = m.logits(want["prompt_ids"], n_threads=1)
    top_delta = max(abs(logits[tok] - val) for tok, val in want["top5"])
    return judge(label, ids, got, want, top_delta)


def judge(label, ids, got, want, top_delta):
    """The whole greedy sequence must match, and be long enough to mean something."""
    ref = want["greedy_tokens"]
    same_seq = got == ref
    long_enough = min(len(got), len(ref)) >= MIN_TOKENS
    ok = ids == want["prompt_ids"] and same_seq and long_enough and top_delta <= 0.03
    print(f"{'ok  ' if ok else 'FAIL'} {label}: prompt ids {'equal' if ids == want['prompt_ids'] else 'DIFFER'}, "
          f"greedy {sum(a == b for a, b in zip(got, ref))} equal of hearth {len(got)} / llama.cpp {len(ref)} "
          f"tokens{'' if long_enough else f' (fewer than {MIN_TOKENS})'}, top-5 logit max |d| {top_delta:.2e}")
    if not ok:
        print(f"      hearth ids {ids} tokens {got}\n      llama.cpp ids {want['prompt_ids']} tokens {ref}")
    return ok


def main():
    cli, shared, work_arg = check_args()
    real = os.path.join(shared, "models", "real")
    if not os.path.isdir(real):
        return unavailable(f"test data not found: {real}")
    try:
        peer(shared, os.path.join(real, "stories260K.gguf"))
    except RuntimeError as e:
        if "npm install" in str(e):
            return unavailable(f"the llama.cpp peer could not be installed ({e})")
        raise
    work = work_arg or tempfile.mkdtemp(prefix="hearth-peer-")
    os.makedirs(work, exist_ok=True)
    out = lambda name: os.path.join(work, name)  # noqa: E731
    steps = [
        (["quantize", os.path.join(real, "stories260K.gguf"), out("stories260K-copy.gguf"), "f32"],
         "stories260K.gguf re-written by hearth (F32)"),
        (["quantize", os.path.join(real, "stories260K.gguf"), out("stories260K-q8_0.gguf"), "q8_0"],
         "stories260K quantized to Q8_0 by hearth"),
        (["convert", os.path.join(real, "TinyStories-656K-hf"), "-o", out("ts656k-hf-q8_0.gguf"),
          "--type", "q8_0"], "TinyStories-656K-hf converted to Q8_0"),
        (["convert", os.path.join(real, "TinyStories-656K-hf"), "-o", out("ts656k-hf-f32.gguf"),
          "--type", "f32"], "TinyStories-656K-hf converted to F32"),
        (["convert", os.path.join(real, "TinyStories-656K-hf"), "-o", out("ts656k-hf-q4_k_m.gguf"),
          "--type", "q4_k_m"], "TinyStories-656K-hf converted to Q4_K_M"),
        (["convert", os.path.join(real, "TinyStories-656K-hf"), "-o", out("ts656k-hf-q4_0.gguf"),
          "--type", "q4_0"], "TinyStories-656K-hf converted to Q4_0"),
        (["convert", os.path.join(real, "TinyStories-656K-hf-bf16"), "-o", out("ts656k-bf16-q8_0.gguf"),
          "--type", "q8_0"], "TinyStories-656K-hf-bf16 converted to Q8_0"),
        (["convert", "--llama2c", os.path.join(real, "stories260K-llama2c", "stories260K.bin"),
          "--tokenizer", os.path.join(real, "stories260K-llama2c", "tok512.bin"),
          "-o", out("stories260K-llama2c.gguf"), "--type", "f32"], "stories260K llama2.c converted to F32"),
    ]
    all_ok = True
    for cmd, label in steps:
        run([cli] + cmd)
        all_ok &= compare(shared, cmd[cmd.index("-o") + 1] if "-o" in cmd else cmd[2], label)
    # The re-written copy gives llama.cpp's stored reference logits.
    want = read_f32(os.path.join(shared, "models", "reference", "stories260K.text.logits.f32"))
    peer(shared, out("stories260K-copy.gguf"), logits_out=out("copy.logits.f32"))
    got = read_f32(out("copy.logits.f32"))
    delta = max(abs(a - b) for a, b in zip(got, want)) if len(got) == len(want) else float("inf")
    ok = delta <= 1e-4
    print(f"{'ok  ' if ok else 'FAIL'} llama.cpp on the re-written copy vs reference logits: max |d| {delta:.2e}")
    all_ok &= ok
    print("peer check: all files match" if all_ok else "peer check: MISMATCH")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
