#!/usr/bin/env bash
# Installs the pinned openai npm package into a cache folder in the build tree (first run only),
# then runs openai_client.mjs. Exit 77 (skip) when npm cannot install it; 1 with CI=true.
# usage: run_openai.sh HEARTH MODEL CACHE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hearth=$1 model=$2 cache=$(mkdir -p "$3" && cd "$3" && pwd)
if [ ! -f "$cache/node_modules/openai/package.json" ] ||
   ! grep -q '"version": "6.30.1"' "$cache/node_modules/openai/package.json"; then
  mkdir -p "$cache"
  cp "$here/package.json" "$cache/"
  if ! (cd "$cache" && npm install --no-audit --no-fund --ignore-scripts >npm.log 2>&1); then
    echo "HEARTH_SKIPPED: npm install openai@6.30.1 failed (see $cache/npm.log)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
  fi
fi
exec node "$here/openai_client.mjs" "$hearth" "$model" "$cache/node_modules" "$cache/work"
