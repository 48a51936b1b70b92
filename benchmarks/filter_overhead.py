#!/usr/bin/env python3
"""What the content filter adds to decoding, end to end (issue 17 target: <= 2% at `strict` with
a 1,000-rule set). The same greedy request runs through hearth.Engine with and without a strict
filter of 900 terms and 100 regular expressions (the rule set of benchmarks/bench_safety.cpp),
alternating, and the generation phase (time after the first token) is compared by medians.

usage: benchmarks/filter_overhead.py MODEL.gguf [--threads 2] [--tokens 128] [--rounds 7]
Needs HEARTH_LIBRARY (or a build in build/) like python/ tests.
"""
import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
import hearth  # noqa: E402


def thousand_rules():
    """900 terms and 100 regular expressions over random lowercase words, 20 + 10 categories."""
    rng = random.Random(42)

    def word(n):
        return "".join(chr(ord("a") + rng.randrange(26)) for _ in range(n))

    lines = [f"strict cat{i % 20} term {word(5 + rng.randrange(6))} {word(4 + rng.randrange(5))}"
             for i in range(900)]
    lines += [f"strict re{i % 10} regex \\b{word(4)}\\s+(?:{word(3)}|{word(5)})\\w*\\b"
              for i in range(100)]
    return "\n".join(lines) + "\n"


def generation_ms(engine, prompt, tokens, content_filter):
    """Wall time from the first streamed piece to the end, and the finish reason."""
    start = time.perf_counter()
    req = engine.submit(prompt, max_tokens=tokens, filter=content_filter)
    first = None
    for _ in req:
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    result = req.result()
    req.close()
    if result.finish_reason != "length":
        sys.exit(f"request ended with {result.finish_reason}, not length: the benchmark needs "
                 "a reply the rules do not block")
    return (end - (first or start)) * 1000.0, result.generated_tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()

    model = hearth.Model(args.model)
    engine = hearth.Engine(model, n_ctx=1024, n_threads=args.threads, max_running=1)
    strict = hearth.ContentFilter(rules=thousand_rules(), level="strict")
    prompt = "Once upon a time, in a small village by the sea, there lived a girl named Lily."
    generation_ms(engine, prompt, 16, None)  # warm-up: pages, caches
    plain, filtered = [], []
    for r in range(args.rounds):
        order = [(None, plain), (strict, filtered)]
        if r % 2:
            order.reverse()
        for f, out in order:
            ms, n = generation_ms(engine, prompt, args.tokens, f)
            out.append(ms / max(1, n - 1))
    p, f = statistics.median(plain), statistics.median(filtered)
    print(f"model {os.path.basename(args.model)}, {args.threads} threads, {args.tokens} tokens, "
          f"{args.rounds} rounds alternating")
    print(f"ms per generated token: without filter {p:.3f}, strict 1,000 rules {f:.3f}; "
          f"overhead {100.0 * (f - p) / p:+.2f}% (runs: {[round(x, 3) for x in plain]} / "
          f"{[round(x, 3) for x in filtered]})")


if __name__ == "__main__":
    main()
