#!/usr/bin/env python3
"""Aggregate generation of S sequences that share one 512-token prompt (issue 12's targets):
`hearth bench --parallel S --json` against llama.cpp's `run.sh MODEL --parallel S`, alternating
which engine runs first, for S = 1, 2, 4, 8, 16, 32; prints a Markdown table.

Columns: hearth's single-sequence generation (a Context, tg_tok_s), the engine's aggregate at S
(tg_parallel_tok_s), its ratio to that single-sequence figure (target >= 5x at S = 8), llama.cpp's
aggregate at S and hearth's ratio to it (target >= 1.5x at S = 8). Medians over --reps rounds.

usage: benchmarks/parallel_table.py HEARTH_BIN MODEL.gguf [MODEL.gguf ...] [--sizes 1,2,4,8,16,32]
                                    [--gen 64] [--reps 2] [--threads 2]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "..", "..", "shared", "tools", "peer-llamacpp", "run.sh")


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def hearth(bin_path, model, s, gen, threads):
    d = run_json([bin_path, "bench", "-m", model, "-p", "512", "-n", str(gen), "-r", "1",
                  "-t", str(threads), "--parallel", str(s), "--json"])
    return d["tg_tok_s"], d["tg_parallel_tok_s"]


def peer(peer_path, model, s, gen, threads):
    d = run_json([peer_path, model, "--parallel", str(s), "--gen-tokens", str(gen),
                  "--prompt-tokens", "512", "--reps", "1", "--threads", str(threads)])
    return d["tg_parallel_tok_s"]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hearth")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--sizes", default="1,2,4,8,16,32")
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--peer", default=os.environ.get("HEARTH_PEER", PEER))
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    print(f"CPU: {cpu_name()}; {a.threads} threads; 512-token shared prompt, {a.gen} tokens "
          f"per sequence; medians of {a.reps} alternating rounds\n")
    print("| model | S | hearth single (Context) tok/s | hearth engine S seqs tok/s | "
          "x own single | llama.cpp S seqs tok/s | x llama.cpp |")
    print("|---|---|---|---|---|---|---|")
    for model in a.models:
        name = os.path.basename(model).removesuffix(".gguf")
        for s in sizes:
            single, agg, ref = [], [], []
            for r in range(a.reps):
                steps = [lambda: ref.append(peer(a.peer, model, s, a.gen, a.threads)),
                         lambda: [x.append(v) for x, v in
                                  zip((single, agg), hearth(a.hearth, model, s, a.gen, a.threads))]]
                if r % 2:
                    steps.reverse()
                for step in steps:
                    step()
            one, many, theirs = (statistics.median(v) for v in (single, agg, ref))
            print(f"| {name} | {s} | {one:.1f} | {many:.1f} | {many / one:.2f}x | {theirs:.1f} | "
                  f"{many / theirs:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
