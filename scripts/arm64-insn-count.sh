#!/usr/bin/env bash
# Executed AArch64 instructions per decoded token under qemu-aarch64, scalar kernels against the
# NEON levels (docs/platforms.md, "Executed instructions"). Speed cannot be measured under
# emulation; the instruction count can, and it is what the NEON kernels are meant to cut
# (issue 18's target: NEON >= 4x fewer instructions than scalar for Q8_0 and Q4_0 decode).
#
# How: Debian 12's qemu-user (7.2) is built with TCG plugin support (-plugin) but ships no plugin,
# so this script compiles a small one (below: an inline 64-bit add of each translated block's
# instruction count every time the block runs, TCG plugin API version 1) with the host's gcc, and
# first checks it on a two-instruction loop (the count must grow by exactly 2 per iteration).
# Then `hearth run` (built for AArch64 into build-test-arm64/, one thread: the plugin's counter is
# not atomic) generates N1 and N2 greedy tokens from a fixed 3-token prompt on the synthetic models of
# ../shared (synth/llama-d256-{q8_0,q4_0}.gguf: 17.6 M parameters, a 32000-token vocabulary);
# (count(N2) - count(N1)) / (N2 - N1) is the cost of one decoded token, without the loading and
# the prompt. Each level is forced with HEARTH_FORCE_ISA under QEMU_CPU=max (which has them all).
# Exit status: 0 when every NEON level needs >= 4x fewer instructions per token than scalar,
# 1 otherwise; 77 (skip; 1 when CI=true) without the cross compiler, qemu or the shared data.
# Not part of scripts/test.sh (minutes of emulation: the scalar runs execute billions of
# instructions).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The build folder of scripts/test-arm64.sh, configured the same way plus the CLI, so that only the
# CLI's files are compiled on top of what that script built.
build=${HEARTH_ARM64_INSN_BUILD:-$root/build-test-arm64}
data=${HEARTH_TEST_DATA:-$root/../shared}
n1=${HEARTH_INSN_N1:-2}
n2=${HEARTH_INSN_N2:-6}

unavailable() {
  echo "arm64-insn-count: $*" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 77
}
for tool in aarch64-linux-gnu-g++ aarch64-linux-gnu-gcc qemu-aarch64 gcc; do
  command -v $tool >/dev/null || unavailable "$tool not installed (scripts/install-deps.sh)"
done
[ -d "$data/models/synth" ] || unavailable "no shared models in $data/models/synth"

# --- the counting plugin --------------------------------------------------------------------
plugin_dir=$build/insn-plugin
mkdir -p "$plugin_dir"
cat >"$plugin_dir/insn_count.c" <<'EOF'
/* Counts executed guest instructions: at translation, each block gets an inline add of its
 * instruction count to one counter, run every time the block executes; the total is printed at
 * exit. The declarations are those of QEMU 7.2's include/qemu/qemu-plugin.h (API version 1),
 * which Debian packages nowhere. Single-threaded guests only (the add is not atomic). */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

extern void qemu_plugin_register_vcpu_tb_trans_cb(
    qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb*));
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb* tb,
                                                     enum qemu_plugin_op op, void* ptr,
                                                     uint64_t imm);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
                                           void (*cb)(qemu_plugin_id_t, void*), void* userdata);
extern void qemu_plugin_outs(const char* string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t insns;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns,
                                           qemu_plugin_tb_n_insns(tb));
}

static void on_exit_cb(qemu_plugin_id_t id, void* p) {
  (void)id;
  (void)p;
  char line[64];
  snprintf(line, sizeof line, "insns: %" PRIu64 "\n", insns);
  qemu_plugin_outs(line);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t* info, int argc,
                                                               char** argv) {
  (void)info;
  (void)argc;
  (void)argv;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
  return 0;
}
EOF
gcc -O2 -shared -fPIC -o "$plugin_dir/libinsn_count.so" "$plugin_dir/insn_count.c"
plugin=$plugin_dir/libinsn_count.so

# count PROGRAM ARGS...: executed instructions (qemu's -d plugin output goes to stderr).
count() {
  local out
  out=$(qemu-aarch64 -plugin "$plugin" -d plugin "$@" 2>&1 >/dev/null) || {
    echo "$out" >&2
    return 1
  }
  echo "$out" | sed -n 's/^insns: \([0-9]*\)$/\1/p' | tail -n 1
}

# Calibration: a loop of subs + b.ne, 1000 and 101000 iterations -> exactly 200000 more.
cat >"$plugin_dir/loop.S" <<'EOF'
.global _start
_start:
  ldr x0, =ITERATIONS
1: subs x0, x0, #1
  b.ne 1b
  mov x8, #93  // exit(0)
  mov x0, #0
  svc #0
EOF
for it in 1000 101000; do
  aarch64-linux-gnu-gcc -nostdlib -static -DITERATIONS=$it -o "$plugin_dir/loop$it" \
    "$plugin_dir/loop.S"
done
calib=$(($(count "$plugin_dir/loop101000") - $(count "$plugin_dir/loop1000")))
if [ "$calib" -ne 200000 ]; then
  echo "arm64-insn-count: the plugin counted $calib instructions for 200000" >&2
  exit 1
fi
echo "plugin check: 100000 iterations of a 2-instruction loop counted as $calib instructions"

# --- hearth for AArch64 ---------------------------------------------------------------------
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DHEARTH_WERROR=ON -DHEARTH_BUILD_BENCHMARKS=OFF \
  -DHEARTH_BUILD_TOOLS=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target hearth_cli >/dev/null
hearth=$build/bin/hearth
[ -x "$hearth" ] || hearth=$build/tools/hearth

# --- per-token counts -----------------------------------------------------------------------
export QEMU_LD_PREFIX=/ QEMU_CPU=max  # / : see scripts/test-arm64.sh
decode() {  # model, isa, n -> instructions of a whole `hearth run`
  local log=$plugin_dir/run.log
  HEARTH_FORCE_ISA=$2 qemu-aarch64 -plugin "$plugin" -d plugin "$hearth" run -m "$1" \
    --ids 1,2,3 -n "$3" -t 1 --temp 0 >/dev/null 2>"$log" || { cat "$log" >&2; return 1; }
  # Every token generated (no end-of-text before n), at the forced level.
  grep -q "stop: max tokens" "$log" || { cat "$log" >&2; return 1; }
  if grep -q "is not supported by this CPU" "$log"; then cat "$log" >&2; return 1; fi
  sed -n 's/^insns: \([0-9]*\)$/\1/p' "$log" | tail -n 1
}

status=0
printf '%-8s %-13s %16s %8s\n' model isa insns/token "scalar/x"
for type in q8_0 q4_0; do
  model=$data/models/synth/llama-d256-$type.gguf
  scalar=0
  # neon-i8mm is not listed: a single token (decode) runs its sdot path, the neon-dotprod one.
  for isa in scalar neon neon-dotprod; do
    a=$(decode "$model" $isa "$n1")
    b=$(decode "$model" $isa "$n2")
    per=$(((b - a) / (n2 - n1)))
    [ $isa = scalar ] && scalar=$per
    ratio=$(awk -v s="$scalar" -v p="$per" 'BEGIN { printf "%.2f", s / p }')
    printf '%-8s %-13s %16d %8s\n' "$type" "$isa" "$per" "$ratio"
    if [ $isa != scalar ] && awk -v r="$ratio" 'BEGIN { exit !(r < 4) }'; then
      echo "  below the 4x target" >&2
      status=1
    fi
  done
done
exit $status
