#!/usr/bin/env bash
# Set everything up, then serve the workbook apps with Voilà on http://127.0.0.1:8866/
# (options: --port N, --host ADDR; data in ~/.rso-workbook or $RSO_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/rso-workbook serve "$@"
