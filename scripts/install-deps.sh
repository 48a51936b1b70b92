#!/usr/bin/env bash
# Installs hearth's build and test dependencies from Debian 12 packages. Idempotent: does
# nothing when everything is already installed.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git ccache python3 python3-jinja2 python3-jsonschema   # jinja2: template conformance; jsonschema: grammar tests
  libeigen3-dev libdnnl-dev libfmt-dev libpcre2-dev nlohmann-json3-dev
  libssl-dev              # OpenSSL 3 libcrypto: encrypted session files
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libssl-dev   # hearth serve: HTTP (docs/server.md), SHA-256 + RNG for keys
  clang libclang-rt-dev   # libFuzzer target
  nodejs npm              # the llama.cpp peer used by benchmarks and cross-checks
  g++-aarch64-linux-gnu qemu-user  # ARM64 cross build under emulation (test-arm64.sh adds the :arm64 libraries)
  chromium                # tests/webui: the chat page driven in a real browser (puppeteer-core)
  libsqlite3-dev libxml2-dev poppler-utils   # hearth kb: SQLite/FTS5 store, HTML text, pdftotext
  haproxy                 # tests/server/test_haproxy.py: deploy/haproxy/hearth.cfg with two servers
  g++-mingw-w64-x86-64-posix wine wine64   # Windows build tested under Wine (scripts/test-windows.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere (e.g. nodesource); accept any working install.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
