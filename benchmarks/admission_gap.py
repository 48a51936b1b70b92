#!/usr/bin/env python3
"""While 7 sequences generate, an 8th request's long prompt (2,000 tokens) is admitted: how much
longer is the running streams' worst gap between two tokens than their gap without it? (Issue 12
target: <= 3x.) Runs the same measurement with the engine's stall guard on (max_decode_stall 3,
the default) and off (0: prompt chunks of the whole token budget), alternating, same process.

usage: benchmarks/admission_gap.py MODEL.gguf [--threads 2] [--prompt-tokens 2000] [--rounds 3]
Needs HEARTH_LIBRARY (or a build in build/) like python/ tests.
"""
import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
import hearth  # noqa: E402


def measure(model, stall, threads, n_long, streams=7):
    engine = hearth.Engine(model, n_ctx=n_long + 64, n_threads=threads, max_running=streams + 1,
                           token_budget=512, max_decode_stall=stall,
                           kv_blocks=(streams + 1) * ((n_long + 64) // 16 + 2))
    stamps = [[] for _ in range(streams)]
    reqs = [engine.submit(f"Story number {i}: once upon a time", max_tokens=100000)
            for i in range(streams)]

    def pull(i, r):
        for _ in r:
            stamps[i].append(time.perf_counter())
    ts = [threading.Thread(target=pull, args=(i, r), daemon=True) for i, r in enumerate(reqs)]
    for t in ts:
        t.start()
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
    for t in ts:
        t.join(10)

    def gaps(lo, hi):
        g = []
        for s in stamps:
            w = [x for x in s if lo <= x <= hi]
            g += [b - a for a, b in zip(w, w[1:])]
        return g
    base = gaps(base_start, base_end)
    during = gaps(t_submit, t_first + 0.05)
    engine.close()
    return {"base_median": statistics.median(base), "base_worst": max(base),
            "during_worst": max(during) if during else float("nan"),
            "prompt_s": t_first - t_submit}


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
              f"prompt admitted in {statistics.median(r['prompt_s'] for r in rs):.2f} s")


if __name__ == "__main__":
    main()
