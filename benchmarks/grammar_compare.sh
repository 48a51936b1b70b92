#!/usr/bin/env bash
# The grammar's cost per generated token, hearth vs llama.cpp, on the same model and the same
# grammar (issue 14: <= 5% of the unconstrained decode time; benchmarks/bench_grammar.cpp is the
# model-free micro-benchmark). Alternates ROUNDS times: `hearth bench --json-schema` (its own
# free / sampler / whole-mask runs), then llama.cpp's peer without and with --grammar-file
# (llama.cpp's grammar cost per token = 1/tg(grammar) - 1/tg(free), its greedy chain masks the
# whole vocabulary every step). Prints every run and the medians, and hearth's grammar cost net
# of what a free generation pays to choose too (the argmax; the same sampling chain).
# PEER=0 leaves llama.cpp out (hearth before/after comparisons).
#   [THREADS=2] benchmarks/grammar_compare.sh HEARTH_BIN MODEL.gguf [SCHEMA.json] [ROUNDS=3] [PEER_GEN=32]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${HEARTH_TEST_DATA:-$root/../shared}
hearth=$1 model=$2
schema=${3:-$root/benchmarks/data/grammar_nested.schema.json}
rounds=${4:-3} peer_gen=${5:-32}
threads=${THREADS:-2}
peer=$data/tools/peer-llamacpp/run.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
  "$hearth" bench -m "$model" -p 16 -n 128 -r 1 -t "$threads" --json --json-schema "$schema" \
    --grammar-out "$work/g.gbnf" >>"$work/hearth.jsonl"
  if [ "${PEER:-1}" != 0 ]; then
    "$peer" "$model" --prompt-tokens 16 --gen-tokens "$peer_gen" --reps 1 --threads "$threads" >>"$work/free.jsonl"
    "$peer" "$model" --prompt-tokens 16 --gen-tokens "$peer_gen" --reps 1 --threads "$threads" \
      --grammar-file "$work/g.gbnf" >>"$work/grammar.jsonl"
  fi
  echo "round $r done" >&2
done
python3 - "$work" <<'PY'
import json, os, statistics, sys
w = sys.argv[1]
load = lambda f: [json.loads(l) for l in open(f"{w}/{f}") if l.strip()]
h = load("hearth.jsonl")
free = load("free.jsonl") if os.path.exists(f"{w}/free.jsonl") else []
gr = load("grammar.jsonl") if free else []
med = statistics.median
dec = [x["grammar"]["free_decode_ms"] for x in h]
for key in ["sampler_ms", "sampler_cpu_ms", "mask_ms", "mask_cpu_ms"]:
    v = [x["grammar"][key] for x in h]
    print(f"hearth {key:15s} {med(v):9.4f} ms/token = {100*med(v)/med(dec):6.2f}% of decode {med(dec):.2f} ms  runs {v}")
# Net of what the free generation pays to choose too: the argmax (greedy), the same sampling
# chain without the grammar (temperature; per run, then the median of the differences).
pairs = [("greedy, net of the argmax", "sampler_ms", "argmax_ms"),
         ("greedy, net of the argmax (cpu)", "sampler_cpu_ms", "argmax_cpu_ms"),
         ("T 0.8 + top-k 40/top-p 0.95/min-p 0.05", "chain_ms", "chain_free_ms"),
         ("T 0.8 + top-k 40/top-p 0.95/min-p 0.05 (cpu)", "chain_cpu_ms", "chain_free_cpu_ms"),
         ("T 0.8 alone", "temp_ms", "temp_free_ms"),
         ("T 0.8 alone (cpu)", "temp_cpu_ms", "temp_free_cpu_ms")]
for name, with_g, without in pairs:
    if with_g not in h[0]["grammar"]:
        continue  # an older hearth without these runs
    d = [x["grammar"][with_g] - x["grammar"][without] for x in h]
    print(f"hearth grammar cost, {name}: {med(d):.4f} ms/token = {100*med(d)/med(dec):.2f}% of decode  runs {[round(v, 4) for v in d]}")
print("hearth same tokens in both constrained runs:", all(x["grammar"]["same_tokens"] for x in h))
if not free:
    sys.exit(0)
lf = [1e3 / x["tg_tok_s"] for x in free]
lg = [1e3 / x["tg_tok_s"] for x in gr]
cost = [g - f for f, g in zip(lf, lg)]
print(f"llama.cpp decode {med(lf):.2f} ms/token, with grammar {med(lg):.2f} ms/token: grammar "
      f"{med(cost):.2f} ms/token = {100*med(cost)/med(lf):.1f}% of decode  runs {[round(c,2) for c in cost]}")
print("llama.cpp tokens per constrained run:", [len(x["greedy_tokens"]) for x in gr])
PY
