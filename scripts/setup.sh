#!/usr/bin/env bash
# Set up a project virtual environment in .venv (idempotent; reinstalls only when pyproject changes).
# Usage: scripts/setup.sh [test]   — "test" also installs the test tools and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "RSO Workbook needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
  exit 1
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_ready=""
apt_install() {
  if [ -z "$apt_ready" ]; then as_root apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    echo "python3-venv is missing: installing it with apt-get" >&2
    rm -rf .venv
    apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi

extra="${1:-}"
spec="."
[ "$extra" = "test" ] && spec=".[test]"
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extra:-run}"
# A test install also satisfies a plain one.
if [ ! -f "$stamp" ] && ! { [ -z "$extra" ] && [ -f "${stamp%-run}-test" ]; }; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "$extra" = "test" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests" >&2
    apt_install chromium
  fi
  # The store tests also run against a real PostgreSQL server (a throwaway cluster per session).
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing Debian's postgresql for the store tests" >&2
    apt_install postgresql
  fi
  # axe-core from the npm registry, injected into pages by the accessibility tests.
  axe_version="4.10.3"
  if [ ! -f ".cache/axe-core/node_modules/axe-core/axe.min.js" ] \
     || ! grep -q "\"version\": \"$axe_version\"" .cache/axe-core/node_modules/axe-core/package.json; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "Installing Debian's npm for axe-core" >&2
      apt_install npm
    fi
    mkdir -p .cache/axe-core
    npm install --silent --no-audit --no-fund --prefix .cache/axe-core "axe-core@$axe_version" >/dev/null
  fi
  # configurable-http-proxy from the npm registry: JupyterHub's proxy, for the local hub test
  # (tests/test_local_hub.py) and deploy/local-hub on a machine set up from this repository.
  chp_version="5.3.0"
  if ! grep -qs "\"version\": \"$chp_version\"" \
       .cache/configurable-http-proxy/node_modules/configurable-http-proxy/package.json; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    mkdir -p .cache/configurable-http-proxy
    npm install --silent --no-audit --no-fund --prefix .cache/configurable-http-proxy \
      "configurable-http-proxy@$chp_version" >/dev/null
  fi
fi
