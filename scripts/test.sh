#!/usr/bin/env bash
# Set everything up, then run the whole test suite: ruff, unit/property/widget/notebook tests and
# real-browser tests (Playwright driving Debian's chromium against a live Voilà).
#
# With no arguments, two pytest processes run at the same time, so that the browser tests'
# waiting (kernels starting, pages rendering) overlaps with the other tests' computing:
# - the browser tests (marker `browser`, not `waits`), one after another, reporting as they go,
#   then the browser tests that wait for real time to pass (marker `waits`: idle culling, grace
#   periods, a killed kernel). These ran in a third process alongside until a widget page's join
#   there once took over 90 s with three runs sharing 2 cores; after the browser tests, the
#   other run has finished and they have the machine to themselves (about 3 minutes);
# - every other test, at a lower CPU priority (nice 5): when both cores are busy, the browser
#   tests' pages and kernels come first.
# The other report follows. The suite fails if any run fails or collects nothing. Extra
# arguments go to one plain pytest run instead (e.g. scripts/test.sh -m "not browser").
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
# stop the other run too if this script is interrupted
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$logs"' EXIT
echo "== pytest -m \"browser and not waits\" (the other tests run meanwhile: their report follows)"
set +e
# a page wait that timed out is tried once more (see DEVELOPERS.md, "Commands"); the first
# attempt's failure and server log are printed under "browser tests tried again"
python -m pytest -m "browser and not waits" --reruns 1 --only-rerun TimeoutError -rR
browser=$?
wait "$rest_pid"
rest=$?
echo "== pytest -m \"browser and waits\""
python -m pytest -m "browser and waits"
waits=$?
set -e
echo "== pytest -m \"not browser\""
cat "$logs/rest.log"
status=0
verdict "$browser" "-m 'browser and not waits'" || status=1
verdict "$waits" "-m 'browser and waits'" || status=1
verdict "$rest" "-m 'not browser'" || status=1
exit "$status"
