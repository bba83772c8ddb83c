#!/usr/bin/env bash
# Installs what building, running and testing genai-collector needs on Debian 12,
# make and the compiler included, then runs `make TARGET...` when targets are
# given: `./deps.sh run` and `./deps.sh test` are the README's two commands.
#   ./deps.sh [--with-node-modules] [TARGET...]
# Safe to run again: apt-get and npm skip what is already there.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  build-essential cmake pkg-config git ca-certificates
  libgrpc-dev protobuf-c-compiler libprotobuf-c-dev
  libyaml-dev libmicrohttpd-dev libjansson-dev libzstd-dev zstd
  libcurl4-openssl-dev libnghttp2-dev libssl-dev zlib1g-dev
  libvectorscan-dev libcmocka-dev
)
tools=(clang valgrind nodejs npm prometheus)

missing=()
for p in "${packages[@]}" "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from elsewhere (nvm, nodesource): only install Debian's when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--with-node-modules" ]; then
  (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
  shift
fi
if (($#)); then
  exec make "$@"
fi
