#!/usr/bin/env bash
# Like run_openai.sh (same pinned package, its own cache folder), for openai_embed.mjs.
# usage: run_openai_embed.sh HEARTH CHAT_MODEL VOCAB_DIR CACHE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hearth=$1 chat_model=$2 vocab_dir=$3 cache=$(mkdir -p "$4" && cd "$4" && pwd)
if [ ! -f "$vocab_dir/ggml-vocab-bert-bge.gguf" ]; then
  echo "HEARTH_SKIPPED: $vocab_dir/ggml-vocab-bert-bge.gguf not found"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
if [ ! -f "$cache/node_modules/openai/package.json" ] ||
   ! grep -q '"version": "6.30.1"' "$cache/node_modules/openai/package.json"; then
  cp "$here/package.json" "$cache/"
  if ! (cd "$cache" && npm install --no-audit --no-fund --ignore-scripts >npm.log 2>&1); then
    echo "HEARTH_SKIPPED: npm install openai@6.30.1 failed (see $cache/npm.log)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
  fi
fi
exec node "$here/openai_embed.mjs" "$hearth" "$chat_model" "$vocab_dir/ggml-vocab-bert-bge.gguf" \
  "$cache/node_modules" "$cache/work"
