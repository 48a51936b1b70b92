#!/usr/bin/env bash
# Runs every test: a warnings-as-errors release build with ctest (C++, C, Python, install
# consumers), then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, then the
# fuzzers (45 s each, coverage printed), a ThreadSanitizer run of the threaded suites, and last
# the cross builds: Windows (MinGW-w64, tests under Wine) and ARM64 (tests under qemu-aarch64).
# Build folders: build-test/, build-asan/, build-tsan/, build-fuzz/ (the cross scripts name theirs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/install-deps.sh"

# ccache (Debian's) makes repeat runs cheap; paths relative to the checkout, so a fresh clone in
# another folder hits the same cache.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

run_suite() {  # name, build dir, extra cmake args...
  local name=$1 dir=$2
  shift 2
  echo "=== $name build"
  cmake -S "$root" -B "$dir" -DHEARTH_WERROR=ON -DHEARTH_BUILD_BENCHMARKS=OFF "${launcher[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "=== $name tests"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900)
}

run_suite release "$root/build-test" -DCMAKE_BUILD_TYPE=Release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suite sanitizers "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_SANITIZE=ON

# ThreadSanitizer over the threaded suites only (engine, C ABI threads and cancellation, thread
# pool): target hearth_tsan_tests in build-tsan/ (tests/CMakeLists.txt).
echo "=== tsan build"
cmake -S "$root" -B "$root/build-tsan" -DHEARTH_WERROR=ON -DHEARTH_BUILD_BENCHMARKS=OFF \
  "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_TSAN=ON >/dev/null
cmake --build "$root/build-tsan" -j "$jobs" --target hearth_tsan_tests
echo "=== tsan tests"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$root/build-tsan/tests/hearth_tsan_tests"

if [ -x "$root/scripts/fuzz.sh" ]; then
  "$root/scripts/fuzz.sh" "${HEARTH_FUZZ_SECONDS:-45}"
fi
# The cross builds (docs/platforms.md): Windows (MinGW-w64, tests under Wine) and ARM64 (tests
# under qemu-aarch64 with three CPU models). Each script exits 77 when its cross compiler or
# emulator is missing (a skip, said here), 1 instead when CI=true. Times on the loaded 2-core
# machine (docs/platforms.md, "Time in CI"): Windows ~3 min and ARM64 ~6 min with ccache warm;
# from an empty cache ~11 and ~19 min (mostly the two cross builds).
cross_suite() {  # name, script
  local t0=$SECONDS rc=0
  "$root/scripts/$2" || rc=$?
  if [ $rc -eq 77 ]; then
    echo "=== $1: SKIPPED (scripts/$2 could not run here; CI=true makes this a failure)"
  elif [ $rc -ne 0 ]; then
    echo "=== $1: FAILED (scripts/$2 exited with $rc)" >&2
    exit $rc
  else
    echo "=== $1: passed in $((SECONDS - t0)) s"
  fi
}
cross_suite windows test-windows.sh
cross_suite arm64 test-arm64.sh
echo "=== all test suites passed"
