"""Pieces the benchmarks share (not a benchmark itself: `run.py` runs only `bench_*.py`)."""

from __future__ import annotations

import os
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_as(user: str, *args: Any, **kwargs: Any) -> Any:
    """`open_store(...)` signed in as `user` (the store binds the identity from the
    environment when it opens, so it is set just for that moment)."""
    from rso_widgets.store import open_store  # the store is lazy: import it where it is used

    os.environ["JUPYTERHUB_USER"] = user
    try:
        return open_store(*args, **kwargs)
    finally:
        del os.environ["JUPYTERHUB_USER"]
