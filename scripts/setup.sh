#!/usr/bin/env bash
# Installs the system libraries fraudscore builds against (Debian 12 / Ubuntu):
# libnghttp2 (HTTP/2), OpenSSL (TLS, SHA-256), libcurl (model downloads), hiredis (the Redis feature
# store), pkg-config to find them; redis-server is the real Redis the feature-store tests start;
# the openssl command makes the tests' self-signed certificates; curl and nghttp2-client (nghttp,
# h2load) are the real HTTP/2 clients the tests drive, and nghttpd (nghttp2-server) the reference
# server the HTTP/2 conformance test compares against; python3-venv lets scripts/test.sh keep the
# Python test packages in a project venv (.venv/).
# Swift 6.x itself must already be on PATH (https://www.swift.org/install/).
# The benchmarks (scripts/bench.sh, scripts/bench_h2.sh) are optional and need more: nginx and wrk,
# which this script leaves out; the benchmark scripts name what is missing and how to install it.
set -euo pipefail
PACKAGES=(libnghttp2-dev libssl-dev libcurl4-openssl-dev libhiredis-dev pkg-config openssl curl nghttp2-client nghttp2-server
          redis-server python3 python3-venv)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { echo "swift not found: install Swift 6.x first (https://www.swift.org/install/)" >&2; exit 1; }
echo "system packages ready"
echo "optional, for scripts/bench.sh and scripts/bench_h2.sh: apt-get install -y nginx wrk"
