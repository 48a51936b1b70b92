#!/usr/bin/env python3
"""HTTP overhead and overload of `hearth serve` (issue 13 targets), on one machine, same run:

1. Aggregate generation speed of S concurrent streaming completions through HTTP, against the
   same S requests submitted to the engine in-process (python hearth.Engine over the same
   libhearth): tokens generated / wall time from the first submit to the last token, median of
   the rounds, alternating the two.
2. N concurrent streaming chat requests (default 200) against a server with --parallel 8 and the
   default queue: every request must complete or get an explicit 429/503 (none lost or hung);
   p50/p99 time to first token of the completed ones; the server's resident memory after each of
   three rounds.

usage: benchmarks/http_bench.py HEARTH MODEL.gguf [--parallel 8] [--tokens 128] [--rounds 5]
       [--streams 200] [--threads 2] [--json OUT]
Needs HEARTH_LIBRARY (or a build in build/) for the in-process engine, like python/ tests.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "python"))
sys.path.insert(0, os.path.join(root, "tests", "server"))
import hearth  # noqa: E402
from server_util import Server  # noqa: E402

PROMPT = "Once upon a time, in a small village by the sea, there lived"


def stream_completion(port, max_tokens, out, i):
    body = json.dumps({"model": "m", "prompt": PROMPT, "max_tokens": max_tokens, "temperature": 0,
                       "stream": True, "stream_options": {"include_usage": True}})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    tokens, first, last = 0, None, None
    buf = b""
    while True:
        chunk = r.read1(65536) if hasattr(r, "read1") else r.read(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            if not event.startswith(b"data: ") or event == b"data: [DONE]":
                continue
            j = json.loads(event[6:])
            if j.get("usage"):
                tokens = j["usage"]["completion_tokens"]
            elif j["choices"] and j["choices"][0].get("text"):
                now = time.perf_counter()
                first = first or now
                last = now
    conn.close()
    out[i] = (tokens, first, last)


def http_round(port, s, max_tokens):
    out = [None] * s
    threads = [threading.Thread(target=stream_completion, args=(port, max_tokens, out, i))
               for i in range(s)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = max(o[2] for o in out)
    return sum(o[0] for o in out) / (end - t0)


def engine_round(engine, s, max_tokens):
    t0 = time.perf_counter()
    reqs = [engine.submit(PROMPT, max_tokens=max_tokens) for _ in range(s)]
    tokens = 0
    ends = []
    lock = threading.Lock()

    def drain(r):
        nonlocal tokens
        for _ in r:
            pass
        with lock:
            ends.append(time.perf_counter())
            tokens += r.result().generated_tokens
    threads = [threading.Thread(target=drain, args=(r,)) for r in reqs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tokens / (max(ends) - t0)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def overload_round(port, n):
    results = [None] * n

    def one(i):
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": f"Story {i}"}],
                           "max_tokens": 16, "temperature": 0, "stream": True})
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            if r.status != 200:
                r.read()
                results[i] = ("status", r.status, None)
                return
            ttft, done = None, False
            buf = b""
            while True:
                chunk = r.read1(65536)
                if not chunk:
                    break
                buf += chunk
                if ttft is None and b'"content":"' in buf and b'"content":""' not in buf:
                    ttft = time.perf_counter() - t0
                if b"data: [DONE]" in buf:
                    done = True
            results[i] = ("done" if done else "truncated", 200, ttft)
        except OSError as e:
            results[i] = ("error", str(e), None)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hearth")
    ap.add_argument("model")
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    report = {"system": hearth.system_info(), "model": os.path.basename(a.model),
              "parallel": a.parallel, "tokens": a.tokens}

    # 1. HTTP vs in-process engine, alternating.
    model = hearth.Model(a.model)
    n_ctx = 512
    engine = hearth.Engine(model, n_ctx=n_ctx, n_threads=a.threads, max_running=a.parallel)
    server = Server(a.hearth, a.model, "--alias", "m", "--parallel", str(a.parallel), "--ctx",
                    str(n_ctx), "-t", str(a.threads))
    http_rates, engine_rates = [], []
    try:
        http_round(server.port, a.parallel, 8)  # warm-up
        engine_round(engine, a.parallel, 8)
        for _ in range(a.rounds):
            http_rates.append(http_round(server.port, a.parallel, a.tokens))
            engine_rates.append(engine_round(engine, a.parallel, a.tokens))
    finally:
        server.stop()
        engine.close()
    h, e = statistics.median(http_rates), statistics.median(engine_rates)
    report.update(http_tok_s=h, engine_tok_s=e, http_over_engine=h / e, http_rates=http_rates,
                  engine_rates=engine_rates)
    print(f"S={a.parallel} x {a.tokens} tokens: HTTP {h:.1f} tok/s, engine {e:.1f} tok/s, "
          f"HTTP/engine {h / e:.3f} (target >= 0.95)")

    # 2. Overload: N streams at once, three rounds.
    server = Server(a.hearth, a.model, "--alias", "m", "--parallel", "8", "--ctx", "256", "-t",
                    str(a.threads))
    rounds = []
    try:
        for rnd in range(3):
            res = overload_round(server.port, a.streams)
            kinds = {}
            for r in res:
                key = "hung" if r is None else (r[0] if r[0] != "status" else f"http_{r[1]}")
                kinds[key] = kinds.get(key, 0) + 1
            ttfts = sorted(r[2] for r in res if r and r[0] == "done" and r[2] is not None)
            p50 = ttfts[len(ttfts) // 2] if ttfts else None
            p99 = ttfts[min(len(ttfts) - 1, int(len(ttfts) * 0.99))] if ttfts else None
            rss = rss_kib(server.proc.pid)
            rounds.append({"outcomes": kinds, "ttft_p50_s": p50, "ttft_p99_s": p99, "rss_kib": rss})
            print(f"round {rnd + 1}: {kinds}, TTFT p50 {p50 and round(p50, 3)} s, "
                  f"p99 {p99 and round(p99, 3)} s, server RSS {rss / 1024:.1f} MiB")
    finally:
        server.stop()
    report["overload"] = rounds
    ok = all(set(r["outcomes"]) <= {"done", "http_429", "http_503"} for r in rounds)
    print("every request completed or got an explicit 429/503" if ok else "LOST OR HUNG REQUESTS")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
