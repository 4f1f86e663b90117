"""`rso-workbook bench [--check]`: run the repository's benchmarks/run.py (benchmarks are not
shipped); with `--check` the exit status is non-zero when any target is missed."""

from __future__ import annotations

import argparse
import subprocess
import sys

from ..settings import REPO_ROOT


def run(args: argparse.Namespace) -> int:
    runner = REPO_ROOT / "benchmarks" / "run.py"
    if not runner.exists():
        print(f"benchmarks not found at {runner}: run this from a source checkout",
              file=sys.stderr)
        return 2
    check = ["--check"] if getattr(args, "check", False) else []
    return subprocess.call([sys.executable, str(runner), *check, *args.names])
