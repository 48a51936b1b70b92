#!/usr/bin/env python3
"""While 7 sequences generate, an 8th request's long prompt (2,000 tokens) is admitted: how much
longer is the running streams' worst gap between two tokens than their gap without it? (Issue 12
target: <= 3x.) Runs the same measurement with the engine's stall guard on (max_decode_stall 3,
the default) and off (0: prompt chunks of the whole token budget), alternating, same process.

Gaps are between consecutive tokens of a stream, stamped on the engine thread as each token is
sampled (on_piece), not between the text pieces a puller receives.

usage: benchmarks/admission_gap.py MODEL.gguf [--threads 2] [--prompt-tokens 2000] [--rounds 3]
Needs HEARTH_LIBRARY (or a build in build/) like python/ tests.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
import ctypes  # noqa: E402

import hearth  # noqa: E402
from hearth import _lib  # noqa: E402
from hearth.engine import Request  # noqa: E402


def submit_stream(engine, text, on_token, keep):
    """A greedy request whose every token (with text or not) calls on_token() on the engine
    thread (hearth_request_params.on_piece): pulled text pieces skip the tokens that complete
    no character (a random-weights model samples many byte fragments), which doubles a gap."""
    rp = _lib.init_params(_lib.lib.hearth_request_params_init, _lib.RequestParams())
    data = text.encode("utf-8")
    rp.prompt, rp.prompt_len, rp.max_tokens = data, len(data), 100000
    fn = _lib.PIECE_FN(lambda _text, _len, _token, _user: on_token())
    rp.on_piece = fn
    keep += [data, fn]
    handle = _lib.request_p()
    _lib.check(_lib.lib.hearth_engine_submit(engine.handle, ctypes.byref(rp), ctypes.byref(handle)))
    return Request(handle, engine)


def measure(model, stall, threads, n_long, streams=7):
    engine = hearth.Engine(model, n_ctx=n_long + 64, n_threads=threads, max_running=streams + 1,
                           token_budget=512, max_decode_stall=stall,
                           kv_blocks=(streams + 1) * ((n_long + 64) // 16 + 2))
    stamps = [[] for _ in range(streams)]
    keep = []
    reqs = [submit_stream(engine, f"Story number {i}: once upon a time",
                          lambda i=i: stamps[i].append(time.perf_counter()), keep)
            for i in range(streams)]
    time.sleep(1.0)  # warm: every stream decoding
    base_start = time.perf_counter()
    time.sleep(1.5)
    base_end = time.perf_counter()
    long_ids = [(7 * i + 3) % 200 + 10 for i in range(n_long)]  # token ids, no tokenizer needed
    t_submit = time.perf_counter()
    long_req = engine.submit(tokens=long_ids, max_tokens=1)
    for _ in long_req:
        pass
    t_first = time.perf_counter()
    time.sleep(0.3)
    for r in reqs:
        r.cancel()
        r.wait(10)

    def gaps(lo, hi):  # (gap, time its first token arrived)
        g = []
        for s in stamps:
            w = [x for x in s if lo <= x <= hi]
            g += [(b - a, a) for a, b in zip(w, w[1:])]
        return g
    base = [d for d, _ in gaps(base_start, base_end)]
    during = gaps(t_submit, t_first + 0.05)
    engine.close()
    worst, worst_at = max(during) if during else (float("nan"), t_submit)
    return {"base_median": statistics.median(base), "base_worst": max(base),
            "during_worst": worst, "prompt_s": t_first - t_submit,
            # where in the admission the worst gap began (0: at submit, 1: at the first token)
            "worst_at": (worst_at - t_submit) / (t_first - t_submit)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--stalls", default="3,0", help="max_decode_stall values to compare")
    a = ap.parse_args()
    model = hearth.Model(a.model)
    print(hearth.system_info())
    stalls = [float(x) for x in a.stalls.split(",")]
    results = {s: [] for s in stalls}
    for _ in range(a.rounds):
        for stall in stalls:
            results[stall].append(measure(model, stall, a.threads, a.prompt_tokens))
    for stall, rs in results.items():
        ratio = statistics.median(r["during_worst"] / r["base_median"] for r in rs)
        ratio_w = statistics.median(r["during_worst"] / r["base_worst"] for r in rs)
        print(f"max_decode_stall={stall}: worst gap during the {a.prompt_tokens}-token admission "
              f"= {ratio:.2f}x the median gap without it ({ratio_w:.2f}x the worst); "
              f"median gap {statistics.median(r['base_median'] for r in rs) * 1000:.1f} ms; "
              f"prompt admitted in {statistics.median(r['prompt_s'] for r in rs):.2f} s; worst gaps "
              f"began at {', '.join(format(r['worst_at'], '.0%') for r in rs)} of the admission")


if __name__ == "__main__":
    main()
