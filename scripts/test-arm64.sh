#!/usr/bin/env bash
# ARM64 (AArch64) cross build and tests under emulation (docs/platforms.md), called by
# scripts/test.sh. The library and hearth_tests are built with g++-aarch64-linux-gnu
# (cmake/toolchains/aarch64-linux-gnu.cmake) into build-test-arm64/ and run under qemu-aarch64
# (Debian's qemu-user) with three CPU models, each held to the ISA level qemu defines for it:
#   cortex-a72   Armv8.0: NEON only               -> neon kernels
#   neoverse-n1  Armv8.2 + DotProd                -> neon, neon-dotprod kernels
#   max          every extension qemu has (I8MM)  -> neon, neon-dotprod, neon-i8mm kernels
# Under each model: CPU detection against the model, every NEON kernel of every level the model
# runs against the scalar reference (Isas/Kernels.*), and the fidelity suites (llama.cpp's logits
# and greedy tokens, matmul checks, the engine's exactness tests) on the default kernels. Once
# (they do not depend on the CPU model): the scalar kernels' fidelity, the tokenizers and chat
# templates, the C ABI programs, and the weak-symbol check of the ISA objects.
# Not run here (emulation is 10-50x slower than native; the full suite would take hours): the
# rest of hearth_tests, Python, the CLI scripts, the sanitizers and the peer cross-checks, which
# the x86 run covers with the same portable code.
# Speed cannot be measured under emulation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-test-arm64"
data=${HEARTH_TEST_DATA:-$root/../shared}
jobs=$(nproc)
start=$(date +%s)

# The cross compiler, qemu and the dependencies' arm64 packages (Debian multiarch).
arm64_packages=(libfmt-dev:arm64 libpcre2-dev:arm64 libssl-dev:arm64
                libdnnl2:arm64 libsqlite3-dev:arm64 libxml2-dev:arm64 libgtest-dev:arm64
                libgmock-dev:arm64)
missing=()
for p in g++-aarch64-linux-gnu qemu-user "${arm64_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-arm64: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
echo "=== arm64 cross build"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DHEARTH_WERROR=ON -DHEARTH_BUILD_BENCHMARKS=OFF \
  -DHEARTH_BUILD_TOOLS=OFF -DHEARTH_TEST_DATA="$data" "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$jobs" --target hearth_tests hearth_c_api_test hearth_c_api_full_test
built=$(date +%s)

# No weak symbol may leak out of the objects compiled with +dotprod / +i8mm.
objects=$(find "$build/src" -name '*.o' | tr '\n' '|')
cmake -DOBJECTS="$objects" -DNM=aarch64-linux-gnu-nm -P "$root/tests/isa_symbols.cmake"

# gtest_selection.cmake runs one executable: a wrapper starts hearth_tests under qemu.
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu HEARTH_TEST_DATA="$data"
wrapper="$build/hearth_tests_qemu.sh"
printf '#!/bin/sh\nexec qemu-aarch64 "%s" "$@"\n' "$build/tests/hearth_tests" >"$wrapper"
chmod +x "$wrapper"
select_tests() {  # label, gtest filter (held to gtest_selection.cmake's rules)
  local t0=$(date +%s)
  echo "=== arm64 $1 (QEMU_CPU=$QEMU_CPU)"
  cmake -DEXE="$wrapper" "-DFILTER=$2" -P "$root/tests/gtest_selection.cmake" | tail -n 3
  echo "    ($(($(date +%s) - t0)) s)"
}

fidelity="*ForwardReference*:*ForwardGreedy*:*ForwardMatmul*:Engine.*"
kernels="CpuDetection.*:KernelTable.*:PackedRows.*:Isas/Kernels.*/neon"
# The optional attention kernels NEON does not have (block_softmax, attend_rows_f16acc): their
# tests skip by design, and a skip fails under CI=true.
optional="-*AttentionBlockSoftmaxMatchesTheRowAlgorithm*:*AttentionRowsMatchThePrimitiveLoop*"
for model in cortex-a72:neon neoverse-n1:neon-dotprod max:neon-i8mm; do
  export QEMU_CPU=${model%%:*} HEARTH_EXPECT_ISA=${model#*:}
  case $HEARTH_EXPECT_ISA in
    neon-dotprod) kernels+=":Isas/Kernels.*/neon_dotprod" ;;
    neon-i8mm) kernels+=":Isas/Kernels.*/neon_i8mm" ;;
  esac
  select_tests "kernels vs scalar, cpu detection" "$kernels$optional"
  select_tests "fidelity ($HEARTH_EXPECT_ISA kernels)" "$fidelity"
done

# Once: the scalar kernels on ARM (portable code, compiled for AArch64), the tokenizers and chat
# templates against their references, and the C ABI from C11.
export QEMU_CPU=max
unset HEARTH_EXPECT_ISA
HEARTH_FORCE_ISA=scalar select_tests "fidelity (scalar kernels)" \
  "$fidelity:Isas/Kernels.*/scalar$optional"
select_tests "tokenizers and templates" "Tokenizer*:*TokenTables*:*VocabVectors*:*Template*"
echo "=== arm64 C ABI"
qemu-aarch64 "$build/tests/hearth_c_api_test" "$data"
qemu-aarch64 "$build/tests/hearth_c_api_full_test" "$data"
end=$(date +%s)
echo "=== arm64 passed (build $((built - start)) s, tests $((end - built)) s)"
