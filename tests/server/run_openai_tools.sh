#!/usr/bin/env bash
# Like run_openai.sh (same pinned package, its own cache folder), for openai_tools.mjs.
# usage: run_openai_tools.sh HEARTH CACHE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hearth=$1 cache=$(mkdir -p "$2" && cd "$2" && pwd)
if [ ! -f "$cache/node_modules/openai/package.json" ] ||
   ! grep -q '"version": "6.30.1"' "$cache/node_modules/openai/package.json"; then
  cp "$here/package.json" "$here/package-lock.json" "$cache/" 2>/dev/null || cp "$here/package.json" "$cache/"
  if ! (cd "$cache" && npm install --no-audit --no-fund --ignore-scripts >npm.log 2>&1); then
    echo "HEARTH_SKIPPED: npm install openai@6.30.1 failed (see $cache/npm.log)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
  fi
fi
exec node "$here/openai_tools.mjs" "$hearth" "$cache/node_modules" "$cache/work"
