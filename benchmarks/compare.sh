#!/usr/bin/env bash
# hearth vs llama.cpp on the same GGUF files, in the same run, alternating, 2 threads.
# Generates the synthetic models (hearth synth), runs `hearth bench --json` and the llama.cpp
# peer (../shared/tools/peer-llamacpp/run.sh) on each, and prints a Markdown report: the CPU
# (vendor, family/model, name), hearth's kernels and llama.cpp's CPU variant, speeds (the median
# of every run of both rounds), hearth/llama.cpp ratios, the fraction of the measured read
# bandwidth, load time and peak memory, and hearth's load through the repacked-weight cache
# (hearth bench --repack-cache: the first load, which writes it, and a warm one, which maps
# it; --no-cache skips these two extra loads per round).
#   benchmarks/compare.sh [--quick] [--threads N] [--isa best|avx2|avxvnni|avx512] [--no-cache]
#                         [--models "smollm2-135m qwen2.5-0.5b llama3.2-1b"] [--types "q8_0 q4_0"]
# --isa avx2 runs hearth with HEARTH_FORCE_ISA=avx2 against llama.cpp's AVX2 build
# (PEER_CPU_VARIANT=haswell); avxvnni against its alderlake build; best (default) lets both
# choose. Both engines run at the highest CPU priority the user may set (nice), so that other
# work on a shared machine disturbs them less; results are only comparable within one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${HEARTH_TEST_DATA:-$root/../shared}
threads=2 pp=512 tg=128 reps=3 isa=best cache=1
models="smollm2-135m qwen2.5-0.5b llama3.2-1b"
types="q8_0 q4_0"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) pp=128 tg=32 reps=1 ;;
    --threads) threads=$2; shift ;;
    --isa) isa=$2; shift ;;
    --models) models=$2; shift ;;
    --types) types=$2; shift ;;
    --no-cache) cache=0 ;;
    *) echo "compare: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
peer=$data/tools/peer-llamacpp/run.sh
[ -f "$peer" ] || { echo "compare: $peer not found (set HEARTH_TEST_DATA)" >&2; exit 1; }
case $isa in
  best) hearth_env=() peer_env=() ;;
  avx2) hearth_env=(HEARTH_FORCE_ISA=avx2) peer_env=(PEER_CPU_VARIANT=haswell) ;;
  avxvnni) hearth_env=(HEARTH_FORCE_ISA=avxvnni) peer_env=(PEER_CPU_VARIANT=alderlake) ;;
  avx512) hearth_env=(HEARTH_FORCE_ISA=avx512) peer_env=() ;;
  *) echo "compare: --isa best|avx2|avxvnni|avx512" >&2; exit 2 ;;
esac
work=${HEARTH_BENCH_DIR:-$root/build-bench}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$work" -DCMAKE_BUILD_TYPE=Release -DHEARTH_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$work" -j "$(nproc)" --target hearth_cli >/dev/null
hearth=$work/bin/hearth
# Highest priority allowed (root: -19; others: none), for both engines alike.
nice_cmd=(nice -n -19)
"${nice_cmd[@]}" true 2>/dev/null || nice_cmd=()

vocab_for() {
  case $1 in
    smollm2-135m) echo "$data/testdata/tokenizer/ggml-vocab-gpt-2.gguf" ;;
    qwen2.5-0.5b|qwen3-0.6b) echo "$data/testdata/tokenizer/ggml-vocab-qwen2.gguf" ;;
    llama3.2-1b) echo "$data/testdata/tokenizer/ggml-vocab-llama-bpe.gguf" ;;
  esac
}

cpu_field() { grep -m1 "^$1" /proc/cpuinfo | sed 's/^[^:]*: *//'; }
cpu=$(printf '{"vendor":"%s","family":"%s","model":"%s","name":"%s"}' "$(cpu_field vendor_id)" \
  "$(cpu_field 'cpu family')" "$(cpu_field 'model[[:space:]]*:')" "$(cpu_field 'model name')")

results=$work/compare.jsonl
: > "$results"
bw=$("${nice_cmd[@]}" "$hearth" bench --memory-bandwidth -t "$threads" --json)
echo "# bandwidth $bw" >&2
run_hearth() { env "${hearth_env[@]}" "${nice_cmd[@]}" "$hearth" bench -m "$1" -p "$pp" -n "$tg" -t "$threads" -r "$reps" --json; }
# Load only (one token each way), through a cache directory that the first call fills.
cache_dir=$work/repack-cache
run_cached() { env "${hearth_env[@]}" "${nice_cmd[@]}" "$hearth" bench -m "$1" -p 1 -n 1 -t "$threads" -r 1 --repack-cache "$cache_dir" --json; }
run_peer() { env "${peer_env[@]}" "${nice_cmd[@]}" bash "$peer" "$1" --threads "$threads" --prompt-tokens "$pp" --gen-tokens "$tg" --reps "$reps"; }
for m in $models; do
  for t in $types; do
    f=$work/models/$m-$t.gguf
    mkdir -p "$work/models"
    [ -f "$f" ] || "$hearth" synth --preset "$m" --vocab "$(vocab_for "$m")" --type "$t" -o "$f" >/dev/null
    # Alternate which engine runs first, so that drift in machine load hits both.
    for round in 1 2; do
      if [ "$round" = 1 ]; then h=$(run_hearth "$f"); l=$(run_peer "$f"); else l=$(run_peer "$f"); h=$(run_hearth "$f"); fi
      c1=null c2=null
      if [ "$cache" = 1 ]; then rm -rf "$cache_dir"; c1=$(run_cached "$f"); c2=$(run_cached "$f"); rm -rf "$cache_dir"; fi
      echo "{\"model\":\"$m\",\"type\":\"$t\",\"round\":$round,\"bytes\":$(stat -c %s "$f"),\"hearth\":$h,\"llama\":$l,\"cache_first\":$c1,\"cache_warm\":$c2}" >> "$results"
      echo "# $m $t round $round done" >&2
    done
  done
done

python3 - "$results" "$bw" "$threads" "$pp" "$tg" "$cpu" "$isa" <<'PY'
import json, sys, statistics, datetime
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="replace")]  # peer text may hold partial UTF-8
bw = json.loads(sys.argv[2])["read_gb_s"]
threads, pp, tg, cpu, isa = sys.argv[3], sys.argv[4], sys.argv[5], json.loads(sys.argv[6]), sys.argv[7]
h_isa = sorted({r["hearth"].get("isa", "?") for r in rows})
l_var = sorted({r["llama"].get("cpu_variant", "?") for r in rows})
print(f"CPU: {cpu['name']} ({cpu['vendor']}, family {cpu['family']} model {cpu['model']}); "
      f"date {datetime.date.today()}; hearth kernels: {', '.join(h_isa)} (--isa {isa}); "
      f"llama.cpp CPU variant: {', '.join(l_var)}.")
print(f"Threads: {threads}; prompt {pp} tokens, generation {tg} tokens; measured read bandwidth {bw:.1f} GB/s; "
      "medians of every run of both rounds (engines alternating).\n")
print(f"| model | type | file MB | hearth pp{pp} | llama.cpp pp{pp} | pp ratio | hearth tg{tg} | llama.cpp tg{tg} | tg ratio | hearth % of BW | llama.cpp % of BW |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
keys = []
for r in rows:
    k = (r["model"], r["type"])
    if k not in keys: keys.append(k)
def every(rs, eng, key, all_key):
    vals = []
    for r in rs:
        vals += r[eng].get(all_key) or [r[eng][key]]
    return statistics.median(vals)
for k in keys:
    rs = [r for r in rows if (r["model"], r["type"]) == k]
    hpp, lpp = every(rs, "hearth", "pp_tok_s", "pp_all"), every(rs, "llama", "pp_tok_s", "pp_all")
    htg, ltg = every(rs, "hearth", "tg_tok_s", "tg_all"), every(rs, "llama", "tg_tok_s", "tg_all")
    gb = rs[0]["bytes"] / 1e9
    print(f"| {k[0]} | {k[1]} | {rs[0]['bytes']/1e6:.0f} | {hpp:.1f} | {lpp:.1f} | {hpp/lpp:.2f}x | {htg:.1f} | {ltg:.1f} | {htg/ltg:.2f}x | {100*htg*gb/bw:.0f}% | {100*ltg*gb/bw:.0f}% |")
print("\nhearth's model load (mmap, validation, weight repacking, context) and peak resident memory:\n")
cached = all(r.get("cache_warm") for r in rows)
extra = " load ms, cache first (writes) | load ms, cache warm (maps) | warm peak RSS MiB |" if cached else ""
print("| model | type | file MiB | repacked MiB | load ms (median) | peak RSS MiB | RSS - file MiB |" + extra)
print("|---|---|---|---|---|---|---|" + ("---|---|---|" if cached else ""))
for k in keys:
    rs = [r for r in rows if (r["model"], r["type"]) == k]
    load = statistics.median(r["hearth"].get("load_ms", 0) for r in rs)
    rss = max(r["hearth"].get("peak_rss_mib", 0) for r in rs)
    rep = rs[0]["hearth"].get("repacked_mib", 0)
    mib = rs[0]["bytes"] / 2**20
    line = f"| {k[0]} | {k[1]} | {mib:.0f} | {rep:.0f} | {load:.1f} | {rss:.0f} | {rss - mib:.0f} |"
    if cached:
        first = statistics.median(r["cache_first"]["load_ms"] for r in rs)
        warm = statistics.median(r["cache_warm"]["load_ms"] for r in rs)
        wrss = max(r["cache_warm"]["peak_rss_mib"] for r in rs)
        line += f" {first:.1f} | {warm:.1f} | {wrss:.0f} |"
    print(line)
PY
