#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan, the library itself instrumented for
# coverage, and runs each for a bounded time (first argument; default 45 s, 9 targets in 7 min)
# on its seed corpus: tests/fuzz/corpus/<target>/ (kept in the repository) plus, when ../shared
# exists, the small shared GGUF files and the real chat templates. Prints each target's coverage
# (libFuzzer's cov: edges) and fails below a floor, so a build that loses the library's
# instrumentation (20-45 edges per target) cannot pass.
#   scripts/fuzz.sh [SECONDS]     HEARTH_FUZZ_BUILD_DIR (default build-fuzz), HEARTH_FUZZ_TARGETS
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-45}
data=${HEARTH_TEST_DATA:-$root/../shared}
dir=${HEARTH_FUZZ_BUILD_DIR:-$root/build-fuzz}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
# Coverage floors (edges after the short run): ten times what each target saw before the
# library was instrumented, or about half of what a 45-60 s run reaches for the newer targets.
declare -A floor=([fuzz_gguf]=200 [fuzz_tokenizer]=450 [fuzz_template]=1000 [fuzz_session]=600
                  [fuzz_safetensors]=1000 [fuzz_llama2c]=400 [fuzz_grammar]=1300
                  [fuzz_server_request]=600 [fuzz_tool_parser]=1400)
echo "=== fuzz build"
CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_FUZZ=ON \
  -DHEARTH_SANITIZE=ON -DHEARTH_BUILD_TESTS=OFF -DHEARTH_BUILD_BENCHMARKS=OFF \
  -DHEARTH_BUILD_TOOLS=OFF -DHEARTH_TEST_DATA="$data" >/dev/null
targets=${HEARTH_FUZZ_TARGETS:-$(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')}
cmake --build "$dir" -j "$(nproc)" --target $targets
corpus=$dir/corpus
summary=""
for t in $targets; do
  # A working copy: what the run adds stays in the build folder, not in the repository.
  mkdir -p "$corpus/$t"
  if [ -d "$root/tests/fuzz/corpus/$t" ]; then
    cp -n "$root/tests/fuzz/corpus/$t/"* "$corpus/$t/" 2>/dev/null || true
  fi
  if [ "$t" = fuzz_gguf ] && [ -d "$data/models" ]; then
    # The small shared GGUF files (large ones slow every iteration down).
    find "$data/models" "$data/testdata/tokenizer" -name '*.gguf' -size -2M -exec cp -n {} "$corpus/$t/" \; 2>/dev/null || true
  fi
  if [ "$t" = fuzz_template ] && [ -d "$data/testdata/templates" ]; then
    cp -n "$data/testdata/templates/"*.jinja "$corpus/$t/" 2>/dev/null || true
  fi
  echo "=== fuzz $t for ${seconds}s"
  log=$dir/$t.log
  if ! (cd "$dir" && ASAN_OPTIONS=detect_leaks=1 "$dir/fuzz/$t" -max_total_time="$seconds" \
        -max_len=1048576 -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 "$corpus/$t") >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $t found a failure; the reproducer (crash-*) is in $dir" >&2
    exit 1
  fi
  # The last status line ("#N DONE cov: E ft: F corp: C/S ...") and the executed-unit count.
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  line=$(printf '%-18s cov %6s edges  ft %6s  %10s execs  %s s' "$t" "${cov:-?}" "${ft:-?}" "${execs:-?}" "$seconds")
  echo "fuzz: $line"
  summary+="$line"$'\n'
  if [ -z "$cov" ] || [ "$cov" -lt "${floor[$t]:-100}" ]; then
    echo "fuzz: $t reached ${cov:-no} edges, below its floor of ${floor[$t]:-100}: is the library instrumented?" >&2
    exit 1
  fi
done
echo "=== fuzz coverage"
printf '%s' "$summary"
echo "=== fuzzers passed"
