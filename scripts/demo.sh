#!/usr/bin/env bash
# Sets everything up and runs the main job: install dependencies, build, generate text.
#   scripts/demo.sh [MODEL.gguf] [PROMPT]
# Default model: models/TinyStories-656K-Q8_0.gguf, shipped in the repository (Apache-2.0,
# models/README.md), so a fresh clone needs nothing else.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/TinyStories-656K-Q8_0.gguf}
prompt=${2:-Once upon a time}
if [ ! -f "$model" ]; then
  echo "demo: model not found: $model" >&2
  exit 1
fi
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)" --target hearth_cli
exec "$root/build/bin/hearth" run -m "$model" -p "$prompt" -n 64
