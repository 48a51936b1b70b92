#!/usr/bin/env bash
# hearth vs llama.cpp on the same GGUF files, in the same run, alternating, 2 threads.
# Generates the synthetic models (hearth synth), runs `hearth bench --json` and the llama.cpp
# peer (../shared/tools/peer-llamacpp/run.sh) on each, and prints a Markdown table of
# speeds, hearth/llama.cpp ratios and the fraction of the measured read-bandwidth ceiling.
#   benchmarks/compare.sh [--quick] [--threads N] [--models "smollm2-135m qwen2.5-0.5b"] [--types "q8_0 q4_0"]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${HEARTH_TEST_DATA:-$root/../shared}
threads=2 pp=512 tg=128 reps=3
models="smollm2-135m qwen2.5-0.5b"
types="q8_0 q4_0"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) pp=128 tg=32 reps=1 ;;
    --threads) threads=$2; shift ;;
    --models) models=$2; shift ;;
    --types) types=$2; shift ;;
    *) echo "compare: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
peer=$data/tools/peer-llamacpp/run.sh
[ -x "$peer" ] || [ -f "$peer" ] || { echo "compare: $peer not found (set HEARTH_TEST_DATA)" >&2; exit 1; }
work=${HEARTH_BENCH_DIR:-$root/build-bench}
cmake -S "$root" -B "$work" -DCMAKE_BUILD_TYPE=Release -DHEARTH_BUILD_TESTS=OFF >/dev/null
cmake --build "$work" -j "$(nproc)" --target hearth_cli >/dev/null
hearth=$work/bin/hearth

vocab_for() {
  case $1 in
    smollm2-135m) echo "$data/testdata/tokenizer/ggml-vocab-gpt-2.gguf" ;;
    qwen2.5-0.5b|qwen3-0.6b) echo "$data/testdata/tokenizer/ggml-vocab-qwen2.gguf" ;;
    llama3.2-1b) echo "$data/testdata/tokenizer/ggml-vocab-llama-bpe.gguf" ;;
  esac
}

results=$work/compare.jsonl
: > "$results"
bw=$("$hearth" bench --memory-bandwidth -t "$threads" --json)
echo "$bw" | sed 's/^/# bandwidth /' >&2
for m in $models; do
  for t in $types; do
    f=$work/models/$m-$t.gguf
    mkdir -p "$work/models"
    [ -f "$f" ] || "$hearth" synth --preset "$m" --vocab "$(vocab_for "$m")" --type "$t" -o "$f" 2>/dev/null
    # Alternate the engines so that drift in machine load hits both.
    for round in 1 2; do
      h=$("$hearth" bench -m "$f" -p "$pp" -n "$tg" -t "$threads" -r "$reps" --json)
      l=$(bash "$peer" "$f" --threads "$threads" --prompt-tokens "$pp" --gen-tokens "$tg" --reps "$reps")
      echo "{\"model\":\"$m\",\"type\":\"$t\",\"round\":$round,\"bytes\":$(stat -c %s "$f"),\"hearth\":$h,\"llama\":$l}" >> "$results"
      echo "# $m $t round $round done" >&2
    done
  done
done

python3 - "$results" "$bw" "$threads" "$pp" "$tg" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
bw = json.loads(sys.argv[2])["read_gb_s"]
threads, pp, tg = sys.argv[3], sys.argv[4], sys.argv[5]
print(f"Threads: {threads}; prompt {pp} tokens, generation {tg} tokens; measured read bandwidth {bw:.1f} GB/s.\n")
print(f"| model | type | file MB | hearth pp{pp} | llama.cpp pp{pp} | pp ratio | hearth tg{tg} | llama.cpp tg{tg} | tg ratio | hearth % of BW | llama.cpp % of BW |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
keys = []
for r in rows:
    k = (r["model"], r["type"])
    if k not in keys: keys.append(k)
for k in keys:
    rs = [r for r in rows if (r["model"], r["type"]) == k]
    med = lambda f: statistics.median(f(r) for r in rs)
    hpp, lpp = med(lambda r: r["hearth"]["pp_tok_s"]), med(lambda r: r["llama"]["pp_tok_s"])
    htg, ltg = med(lambda r: r["hearth"]["tg_tok_s"]), med(lambda r: r["llama"]["tg_tok_s"])
    gb = rs[0]["bytes"] / 1e9
    print(f"| {k[0]} | {k[1]} | {rs[0]['bytes']/1e6:.0f} | {hpp:.1f} | {lpp:.1f} | {hpp/lpp:.2f}x | {htg:.1f} | {ltg:.1f} | {htg/ltg:.2f}x | {100*htg*gb/bw:.0f}% | {100*ltg*gb/bw:.0f}% |")
print("\nhearth's model load (mmap, validation, context) and peak resident memory while benchmarking:\n")
print("| model | type | file MiB | load ms (median) | peak RSS MiB | RSS - file MiB |")
print("|---|---|---|---|---|---|")
for k in keys:
    rs = [r for r in rows if (r["model"], r["type"]) == k]
    load = statistics.median(r["hearth"].get("load_ms", 0) for r in rs)
    rss = max(r["hearth"].get("peak_rss_mib", 0) for r in rs)
    mib = rs[0]["bytes"] / 2**20
    print(f"| {k[0]} | {k[1]} | {mib:.0f} | {load:.1f} | {rss:.0f} | {rss - mib:.0f} |")
PY
