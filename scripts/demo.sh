#!/usr/bin/env bash
# Sets everything up and runs the main job: install dependencies, build, generate text.
#   scripts/demo.sh [MODEL.gguf] [PROMPT]
# Default model: ../shared/models/real/TinyStories-656K-Q8_0.gguf
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/../shared/models/real/TinyStories-656K-Q8_0.gguf}
prompt=${2:-Once upon a time}
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)" --target hearth_cli
hearth="$root/build/bin/hearth"
if "$hearth" help 2>&1 | grep -q '^  run '; then
  exec "$hearth" run -m "$model" -p "$prompt" -n 64
fi
exec "$hearth" info "$model"
