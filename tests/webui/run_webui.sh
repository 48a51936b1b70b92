#!/usr/bin/env bash
# Installs the pinned npm packages (puppeteer-core, axe-core; package-lock.json) into a cache
# folder in the build tree when they are missing or the lock file changed, then runs
# webui_test.mjs against Debian's chromium. Exit 77 (skip) without chromium, node/npm or the
# packages; with CI=true those are failures (exit 1).
# usage: run_webui.sh HEARTH TINY_MODEL SLOW_MODEL CACHE_DIR PAGE_BYTES_FILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hearth=$1 tiny=$2 slow=$3 cache=$(mkdir -p "$4" && cd "$4" && pwd) page_bytes=$5
skip() {
  echo "HEARTH_SKIPPED: $*"
  [ "${CI:-}" = true ] && exit 1
  exit 77
}
chromium=${HEARTH_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "no browser at $chromium (apt-get install chromium, or set HEARTH_CHROMIUM)"
command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are needed"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || skip "node $(node --version) is too old for puppeteer-core 24 (needs 18+)"
modules=$cache/npm
if ! cmp -s "$here/package-lock.json" "$modules/package-lock.json" ||
   [ ! -f "$modules/node_modules/puppeteer-core/package.json" ]; then
  rm -rf "$modules" && mkdir -p "$modules"
  cp "$here/package.json" "$here/package-lock.json" "$modules/"
  # --ignore-scripts: nothing runs at install time (puppeteer-core downloads no browser anyway).
  if ! (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts >npm.log 2>&1); then
    rm -f "$modules/package-lock.json"
    skip "npm ci failed (see $modules/npm.log)"
  fi
fi
export HEARTH_CHROMIUM=$chromium
exec node "$here/webui_test.mjs" "$hearth" "$tiny" "$slow" "$modules/node_modules" "$cache/out" "$page_bytes"
