#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan and runs each for a bounded time
# (default 60 s; first argument) on a seed corpus made of the shared GGUF files.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
data=${HEARTH_TEST_DATA:-$root/../shared}
dir=$root/build-fuzz
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
echo "=== fuzz build"
CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_FUZZ=ON \
  -DHEARTH_SANITIZE=ON -DHEARTH_BUILD_TESTS=OFF -DHEARTH_BUILD_BENCHMARKS=OFF \
  -DHEARTH_BUILD_TOOLS=OFF -DHEARTH_TEST_DATA="$data" >/dev/null
targets=$(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
cmake --build "$dir" -j "$(nproc)" --target $targets
corpus=$dir/corpus
for t in $targets; do
  mkdir -p "$corpus/$t"
  if [ "$t" = fuzz_gguf ] && [ -d "$data/models" ]; then
    # Seeds: the small shared GGUF files (large ones slow every iteration down).
    find "$data/models" "$data/testdata/tokenizer" -name '*.gguf' -size -2M -exec cp -n {} "$corpus/$t/" \; 2>/dev/null || true
  fi
  if [ "$t" = fuzz_template ] && [ -d "$data/testdata/templates" ]; then
    # Seeds: the real chat templates.
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
  tail -n 6 "$log"
done
echo "=== fuzzers passed"
