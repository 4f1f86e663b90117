"""`rso-workbook bench`: run the repository's benchmarks/run.py (benchmarks are not shipped)."""

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
    return subprocess.call([sys.executable, str(runner), *args.names])
