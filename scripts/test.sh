#!/usr/bin/env bash
# Set everything up, then run the whole test suite: ruff, unit/property/widget/notebook tests and
# real-browser tests (Playwright driving Debian's chromium against a live Voilà).
#
# With no arguments, three pytest processes run at the same time, so that the browser tests'
# waiting (kernels starting, pages rendering) overlaps with the other tests' computing:
# - the browser tests (marker `browser`, not `waits`), one after another, reporting as they go;
# - the browser tests that mostly wait for real time to pass (marker `waits`: idle culling,
#   grace periods), in their own process;
# - every other test, at a lower CPU priority (nice 5): when both cores are busy, the browser
#   tests' pages and kernels come first.
# The other two reports follow the first. The suite fails if any of them fails or collects
# nothing. Extra arguments go to one plain pytest run instead (e.g. scripts/test.sh -m "not
# browser").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff check"
ruff check .

# pytest's exit status, except that "no tests collected" (5) is a failure too
verdict() {
  if [ "$1" -eq 5 ]; then
    echo "pytest $2 collected no tests: treating as a failure" >&2
    return 1
  fi
  return "$1"
}

if [ "$#" -gt 0 ]; then
  echo "== pytest $*"
  set +e
  python -m pytest "$@"
  status=$?
  set -e
  verdict "$status" "$*"
  exit $?
fi

logs="$(mktemp -d "${TMPDIR:-/tmp}/rso-pytest.XXXXXX")"
nice -n 5 python -m pytest -m "not browser" >"$logs/rest.log" 2>&1 &
rest_pid=$!
python -m pytest -m "browser and waits" >"$logs/waits.log" 2>&1 &
waits_pid=$!
# stop the other runs too if this script is interrupted
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$logs"' EXIT
echo "== pytest -m \"browser and not waits\" (the other tests run meanwhile: their reports follow)"
set +e
python -m pytest -m "browser and not waits"
browser=$?
wait "$waits_pid"
waits=$?
wait "$rest_pid"
rest=$?
set -e
echo "== pytest -m \"browser and waits\""
cat "$logs/waits.log"
echo "== pytest -m \"not browser\""
cat "$logs/rest.log"
status=0
verdict "$browser" "-m 'browser and not waits'" || status=1
verdict "$waits" "-m 'browser and waits'" || status=1
verdict "$rest" "-m 'not browser'" || status=1
exit "$status"
