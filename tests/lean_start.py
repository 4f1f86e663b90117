"""Run a served page's build in a fresh interpreter and report what it imported, for the tests
that keep page start-up lean (design.md: a served notebook does little at top level)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("pandas", "plotly", "sqlalchemy", "pyarrow", "reportlab")


def build_in_fresh_process(code: str, tmp_path: Path,
                           heavy: tuple[str, ...] = HEAVY) -> tuple[list[str], list[str]]:
    """Run `code` with an empty data directory and HOME under `tmp_path` (neither created
    beforehand); return the lines it printed and which of `heavy` it imported."""
    script = (f"{code}\nimport sys\n"
              f"print('HEAVY:' + ','.join(m for m in {heavy!r} if m in sys.modules))")
    env = {"RSO_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path / "home"),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    lines = out.stdout.splitlines()
    loaded = lines[-1].removeprefix("HEAVY:")
    return lines[:-1], [m for m in loaded.split(",") if m]
