#!/usr/bin/env bash
# The Windows build, tested under Wine (called by scripts/test.sh; docs/platforms.md, "Windows").
#   1. PCRE2, the one compiled dependency Debian has no MinGW package of: its Debian source
#      package (fetched with apt-get source, checked against Debian's signed index) compiled
#      with MinGW into <build>/deps (once; later runs reuse it);
#   2. hearth cross-compiled with cmake/toolchains/x86_64-w64-mingw32.cmake: hearth.dll with its
#      import library, hearth.exe, the test programs;
#   3. under Wine (own prefix in <build>/wine, console only, no display): the fidelity tests
#      (llama.cpp reference logits and greedy tokens, every weight type's matmul, forced
#      scalar/AVX2 kernels), the tokenizers against llama.cpp's vocab tests, the chat templates
#      against Jinja2's renderings, the kernel sets, the C ABI from C and C++, and the C example.
#      Not the whole suite: the server, Python, sealed files (no OpenSSL for MinGW in Debian) and
#      the CLI scripts stay Linux-only. HEARTH_WINDOWS_TESTS (a ctest regex) overrides the set.
# Time on the 2-core CI machine: see docs/platforms.md ("Windows", "How it is tested here").
# Build folder: $HEARTH_WINDOWS_BUILD (default build-windows/). Shared data: ../shared, seen by
# Wine as Z:\... . Needs: g++-mingw-w64-x86-64-posix, wine64 (scripts/install-deps.sh); without
# them: exit 77 (skip) with a message, exit 1 when CI=true.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HEARTH_WINDOWS_BUILD:-$root/build-windows}
jobs=$(nproc)
triple=x86_64-w64-mingw32
toolchain=$root/cmake/toolchains/$triple.cmake
start=$SECONDS

for tool in $triple-g++-posix wine; do
  if ! command -v $tool >/dev/null; then
    echo "test-windows: $tool not installed (scripts/install-deps.sh installs it)" >&2
    [ "${CI:-}" = true ] && exit 1
    echo "test-windows: SKIPPED (the Windows suites did not run)" >&2
    exit 77
  fi
done

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# --- 1. PCRE2 for Windows -------------------------------------------------------------------
deps=$build/deps
if [ ! -f "$deps/lib/pkgconfig/libpcre2-8.pc" ]; then
  echo "=== windows: PCRE2 from Debian's source package"
  src=$build/deps-src
  rm -rf "$src" && mkdir -p "$src/lists/partial" "$src/cache"
  # A private apt configuration with only a deb-src line: the system's sources stay untouched.
  echo "deb-src http://deb.debian.org/debian bookworm main" >"$src/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$src/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$src/lists" -o "Dir::Cache=$src/cache")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$src" && apt-get "${apt_opts[@]}" source --download-only pcre2 >/dev/null 2>&1)
  tar -xf "$src"/pcre2_*.orig.tar.* -C "$src"
  # Static, 8-bit, Unicode and JIT like Debian's Linux build; no programs, no tests.
  cmake -S "$src"/pcre2-*/ -B "$src/build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$deps" "${launcher[@]}" \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DPCRE2_BUILD_PCRE2_8=ON \
    -DPCRE2_SUPPORT_UNICODE=ON -DPCRE2_SUPPORT_JIT=ON -DPCRE2_BUILD_PCRE2GREP=OFF \
    -DPCRE2_BUILD_TESTS=OFF -DCMAKE_POLICY_DEFAULT_CMP0063=NEW >/dev/null
  cmake --build "$src/build" -j "$jobs" >/dev/null
  cmake --install "$src/build" >/dev/null
  rm -rf "$src"
fi

# --- 2. hearth for Windows ------------------------------------------------------------------
# Wine sees the host's / as drive Z:, so the shared data is Z:/<its absolute path>.
data=$root/../shared
[ -d "$data" ] && data=$(cd "$data" && pwd)
# The suites run below, and only they are compiled (HEARTH_TEST_FILES, tests/CMakeLists.txt).
test_files="test_forward*.cpp;test_engine.cpp;test_tokenizer*.cpp;test_template*.cpp"
test_files+=";test_kernels.cpp;test_capi_*.cpp;test_hearth_hpp.cpp;test_gguf.cpp;test_cpu.cpp"
test_files+=";test_session.cpp;test_platform.cpp"
echo "=== windows build"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DHEARTH_WINDOWS_DEPS="$deps" \
  -DCMAKE_BUILD_TYPE=Release -DHEARTH_WERROR=ON -DHEARTH_BUILD_BENCHMARKS=OFF "${launcher[@]}" \
  -DHEARTH_TEST_DATA:STRING="Z:$data" -DHEARTH_TEST_FILES="$test_files" >/dev/null
export WINEPREFIX=$build/wine WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  # First start: Wine creates its prefix (C:, registry). Console programs need no display.
  wineboot --init >/dev/null 2>&1
  wineserver --wait
fi
cmake --build "$build" -j "$jobs" --target hearth hearth_cli hearth_tests hearth_c_api_test \
  hearth_c_api_full_test

# Runs without MinGW's runtime DLLs (linked statically): only Windows' own DLLs are imported.
for bin in "$build/bin/hearth.exe" "$build/bin/hearth.dll" "$build/bin/hearth_tests.exe"; do
  if $triple-objdump -p "$bin" | grep -iE 'DLL Name: (libstdc|libgcc|libwinpthread)'; then
    echo "test-windows: $bin needs MinGW runtime DLLs" >&2
    exit 1
  fi
done

# hearth.dll exports exactly the functions hearth.h declares with HEARTH_API, nothing else (the
# Windows side of tests/abi_symbols.cmake, which reads ELF symbols with nm -D).
$triple-objdump -p "$build/bin/hearth.dll" | python3 -c '
import re, sys
table = sys.stdin.read().split("[Ordinal/Name Pointer] Table")[1].split("\n\n")[0]
exported = set(re.findall(r"\] (\w+)", table))
header = re.sub(r"/\*.*?\*/", "", open(sys.argv[1]).read(), flags=re.S)
declared = set(re.findall(r"HEARTH_API[^;(]*?[ *](hearth_\w+)\s*\(", header))
if len(declared) < 40 or exported != declared:
    sys.exit("hearth.dll exports: missing %s, extra %s" %
             (sorted(declared - exported), sorted(exported - declared)))
print("hearth.dll exports the %d functions of hearth.h" % len(declared))
' "$root/capi/hearth.h"

# --- 3. under Wine ----------------------------------------------------------------------------
echo "=== windows tests (Wine)"
export HEARTH_TEST_DATA="Z:$data"
# The fidelity suites under each kernel set, the C ABI from C; then the other suites through the
# same count-checking runner (tests/gtest_selection.cmake: exit code, selection, skips).
(cd "$build" && ctest --output-on-failure --no-tests=error -j "$jobs" --timeout 900 \
  -R '^(fidelity_isa_(scalar|avx2|avxvnni)|c_api|c_api_full)$')
suites="*VocabVectors.*:Tokenizer.*:TokenTables.*:Template*:*TemplateConformance.*:KernelTable.*"
suites+=":PackedRows.*:Capi*:FilterCapi.*:HearthHpp.*:Gguf.*:Cpu.*:Session*:PromptCache.*"
suites+=":Platform*:ForwardCApi.*:ForwardContext.*:ForwardGenerate.*:ForwardLoad.*:ForwardRope.*"
cmake -DEXE="$build/tests/hearth_tests_emulated.sh" -DFILTER="$suites" \
  -P "$root/tests/gtest_selection.cmake"
# Every x86 kernel set this CPU runs (under Wine: the host's CPUID) against scalar, held to
# gtest_selection.cmake's rules like the rest (a skip fails under CI=true). A level is tested when
# hearth.exe, forced to it, does not fall back (`hearth info` prints the level in use,
# "ISA = avx2 |"); the optional attention kernels that scalar, avx2 and avxvnni do not have
# (block_softmax, attend_rows_f16acc) skip by design and are left out by name.
kernel_filter="Isas/Kernels.*/scalar"
optional=""
for isa in scalar avx2 avxvnni avx512; do
  if [ $isa != scalar ]; then
    level=$(HEARTH_FORCE_ISA=$isa wine "$build/bin/hearth.exe" info \
      "Z:$root/models/TinyStories-656K-Q8_0.gguf" 2>&1 | tr -d '\r')
    if [[ $level != *"ISA = $isa |"* ]]; then
      echo "test-windows: this CPU lacks $isa: its kernels are not tested here"
      continue
    fi
    kernel_filter+=":Isas/Kernels.*/$isa"
  fi
  if [ $isa != avx512 ]; then
    optional+=":*AttentionBlockSoftmaxMatchesTheRowAlgorithm/$isa"
    optional+=":*AttentionRowsMatchThePrimitiveLoop/$isa"
  fi
done
cmake -DEXE="$build/tests/hearth_tests_emulated.sh" -DFILTER="$kernel_filter:-${optional#:}" \
  -P "$root/tests/gtest_selection.cmake"

# hearth.exe takes its arguments as UTF-16 and hands the library UTF-8 (tools/hearth/utf8_args.cpp):
# a model path with letters outside any 8-bit code page opens.
utf8_model="$build/mod\u00e8le-\u6a21\u578b.gguf"
utf8_model=$(printf "$utf8_model")
cp "$root/models/TinyStories-656K-Q8_0.gguf" "$utf8_model"
info=$(wine "$build/bin/hearth.exe" info "Z:$utf8_model" 2>&1 | tr -d '\r') || {
  echo "$info"; echo "test-windows: hearth.exe could not open a UTF-8 path" >&2; exit 1; }
case $info in
  *llama*) echo "hearth.exe opened $(basename "$utf8_model")" ;;
  *) echo "$info"; echo "test-windows: unexpected hearth info output" >&2; exit 1 ;;
esac

# The C example against the installed package (find_package(Hearth) -> hearth.dll + import
# library), run with the DLL found through PATH as an application would.
echo "=== windows example (installed package)"
rm -rf "$build/install" "$build/examples"
cmake --install "$build" --prefix "$build/install" >/dev/null
cmake -S "$root/examples" -B "$build/examples" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DHearth_DIR="$build/install/lib/cmake/Hearth" "${launcher[@]}" >/dev/null
cmake --build "$build/examples" --target hearth_example_c >/dev/null
out=$(WINEPATH="Z:$build/install/bin" wine "$build/examples/bin/hearth_example_c.exe" \
  "Z:$root/models/TinyStories-656K-Q8_0.gguf" | tr -d '\r')
echo "$out"
# The model's README facts: a llama with a 2048-token vocabulary.
case $out in
  *"llama, "*", vocabulary 2048") ;;
  *) echo "test-windows: unexpected output from the C example" >&2; exit 1 ;;
esac
echo "=== windows: passed in $((SECONDS - start)) s"
