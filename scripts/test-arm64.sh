#!/usr/bin/env bash
# ARM64 (AArch64) cross build and tests under emulation (docs/platforms.md), called by
# scripts/test.sh. The library, hearth_tests (only the test files of the suites below:
# HEARTH_TEST_FILES) and the C ABI programs are built with g++-aarch64-linux-gnu
# (cmake/toolchains/aarch64-linux-gnu.cmake) into build-test-arm64/ and run under qemu-aarch64
# (Debian's qemu-user) with three CPU models, each held to the ISA level qemu defines for it:
#   cortex-a72   Armv8.0: NEON only               -> neon kernels
#   neoverse-n1  Armv8.2 + DotProd                -> neon, neon-dotprod kernels
#   max          every extension qemu has (I8MM)  -> neon, neon-dotprod, neon-i8mm kernels
# Under each model: CPU detection against the model, every NEON kernel of every level the model
# runs against the scalar reference (Isas/*.*/<level>: dots, converters, tiled / R16 / Q4_K /
# Q6_K gemm, f16 and f32 attention, exp), and the fidelity suites (llama.cpp's logits and greedy
# tokens on the shared models, every weight type's matmul) on that model's default kernels, and
# the tokenizers and chat templates against their references (11 s each).
# Once, under max (they do not depend on the CPU model): the engine's exactness tests (Engine.*),
# the scalar kernels' fidelity, the C ABI programs, and the weak-symbol check of the ISA objects.
# Not run here (emulation is 10-50x slower than native; the full suite would take hours): the
# rest of hearth_tests, Python, the CLI scripts, the sanitizers and the peer cross-checks, which
# the x86 run covers with the same portable code. Speed cannot be measured under emulation.
# Time on the 2-core CI machine: see docs/platforms.md ("How it is tested here").
# Without the cross compiler or qemu (and no way to install them): exit 77 (skip) with a message,
# exit 1 when CI=true.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HEARTH_ARM64_BUILD:-$root/build-test-arm64}
data=${HEARTH_TEST_DATA:-$root/../shared}
jobs=$(nproc)
start=$(date +%s)

unavailable() {
  echo "test-arm64: $*" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  echo "test-arm64: SKIPPED (the ARM64 suites did not run)" >&2
  exit 77
}

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
  {
    { dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64; } &&
      $SUDO apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
  } || unavailable "could not install ${missing[*]}"
fi
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v $tool >/dev/null || unavailable "$tool not installed (scripts/install-deps.sh)"
done

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# The suites run below, and only they are compiled (HEARTH_TEST_FILES, tests/CMakeLists.txt).
test_files="test_forward.cpp;test_forward_generate.cpp;test_forward_matmul.cpp;test_engine.cpp"
test_files+=";test_attention_blocks.cpp;test_tokenizer*.cpp;test_template.cpp"
test_files+=";test_template_conformance.cpp;test_kernels.cpp;test_kernels_neon.cpp"
test_files+=";test_embed_kernels.cpp;test_gemm_small_batch.cpp;test_capi_cpu_info.cpp"
echo "=== arm64 cross build"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DHEARTH_WERROR=ON -DHEARTH_BUILD_BENCHMARKS=OFF \
  -DHEARTH_BUILD_TOOLS=OFF -DHEARTH_TEST_DATA="$data" -DHEARTH_TEST_FILES="$test_files" \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$jobs" --target hearth_tests hearth_c_api_test hearth_c_api_full_test
built=$(date +%s)

# No weak symbol may leak out of the objects compiled with +dotprod / +i8mm.
objects=$(find "$build/src" -name '*.o' | tr '\n' '|')
cmake -DOBJECTS="$objects" -DNM=aarch64-linux-gnu-nm -P "$root/tests/isa_symbols.cmake"

# gtest_selection.cmake runs one executable: a wrapper starts hearth_tests under qemu.
# qemu's library prefix: / (the multiarch libc6:arm64 that the :arm64 packages bring, with its own
# loader). The cross compiler's /usr/aarch64-linux-gnu holds another Debian build of glibc, whose
# loader with the multiarch libc makes every pthread_create spin forever
# (cmake/toolchains/aarch64-linux-gnu.cmake).
export QEMU_LD_PREFIX=/ HEARTH_TEST_DATA="$data"
wrapper="$build/hearth_tests_qemu.sh"
printf '#!/bin/sh\nexec qemu-aarch64 "%s" "$@"\n' "$build/tests/hearth_tests" >"$wrapper"
chmod +x "$wrapper"
select_tests() {  # label, gtest filter (held to gtest_selection.cmake's rules)
  local t0=$SECONDS log
  log="$build/arm64-$(echo "$1 $QEMU_CPU ${HEARTH_FORCE_ISA:-}" | tr -c 'a-z0-9-' _).log"
  echo "=== arm64 $1 (QEMU_CPU=$QEMU_CPU)"
  if ! cmake -DEXE="$wrapper" "-DFILTER=$2" -P "$root/tests/gtest_selection.cmake" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "test-arm64: $1 failed under QEMU_CPU=$QEMU_CPU (whole output: $log)" >&2
    exit 1
  fi
  tail -n 1 "$log"
  echo "    ($((SECONDS - t0)) s)"
}

# llama.cpp's logits and greedy tokens on the shared models, and every weight type's matmul.
fidelity="*ForwardReference*:*ForwardGreedy*:*ForwardMatmul*"
# Isas/*.*/<level>: Kernels (test_kernels.cpp), EmbedKernels (attend_f32), SmallBatchGemm.
kernels="CpuDetection.*:KernelTable.*:PackedRows.*:Isas/*.*/neon"
# The optional attention kernels NEON does not have (block_softmax, attend_rows_f16acc): their
# tests skip by design, and a skip fails under CI=true.
optional="-*AttentionBlockSoftmaxMatchesTheRowAlgorithm*:*AttentionRowsMatchThePrimitiveLoop*"
for model in cortex-a72:neon neoverse-n1:neon-dotprod max:neon-i8mm; do
  export QEMU_CPU=${model%%:*} HEARTH_EXPECT_ISA=${model#*:}
  case $HEARTH_EXPECT_ISA in
    neon-dotprod) kernels+=":Isas/*.*/neon_dotprod" ;;
    neon-i8mm) kernels+=":Isas/*.*/neon_i8mm" ;;
  esac
  select_tests "kernels vs scalar, cpu detection" "$kernels$optional"
  select_tests "fidelity ($HEARTH_EXPECT_ISA kernels)" "$fidelity"
  select_tests "tokenizers and templates" "Tokenizer*:*TokenTables*:*VocabVectors*:*Template*"
done

# Once, under max (they do not depend on the CPU model): the engine's exactness tests (batched
# requests give a Context's tokens and logits bit for bit; 90 s of the 120 s a full fidelity run
# takes under qemu, so not repeated per model: their kernels are the ones tested above), the
# scalar kernels on ARM (portable code, compiled for AArch64), and the C ABI from C11.
export QEMU_CPU=max
unset HEARTH_EXPECT_ISA
select_tests "engine exactness (neon-i8mm kernels)" "Engine.*"
HEARTH_FORCE_ISA=scalar select_tests "fidelity (scalar kernels)" \
  "$fidelity:Isas/*.*/scalar$optional"
echo "=== arm64 C ABI"
t0=$SECONDS
qemu-aarch64 "$build/tests/hearth_c_api_test" "$data"
qemu-aarch64 "$build/tests/hearth_c_api_full_test" "$data"
echo "    ($((SECONDS - t0)) s)"
end=$(date +%s)
echo "=== arm64 passed (build $((built - start)) s, tests $((end - built)) s)"
