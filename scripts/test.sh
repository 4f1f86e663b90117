#!/usr/bin/env bash
# Set everything up, then run the whole test suite: ruff, unit/property/widget/notebook tests and
# real-browser tests (Playwright driving Debian's chromium against a live Voilà).
# Extra arguments go to pytest (e.g. scripts/test.sh -m "not browser").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff check"
ruff check .
echo "== pytest"
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$status"
