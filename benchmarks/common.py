"""Pieces the benchmarks share (not a benchmark itself: `run.py` runs only `bench_*.py`)."""

from __future__ import annotations

import os
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_as(user: str, *args: Any, groups: str | None = None, **kwargs: Any) -> Any:
    """`open_store(...)` signed in as `user` (the store binds the identity from the
    environment when it opens, so it is set just for that moment); `groups`: the user's
    JupyterHub groups, i.e. roles (e.g. "administrator" for the audit log's commands)."""
    from rso_widgets.store import open_store  # the store is lazy: import it where it is used

    os.environ["JUPYTERHUB_USER"] = user
    if groups is not None:
        os.environ["RSO_GROUPS"] = groups
    try:
        return open_store(*args, **kwargs)
    finally:
        del os.environ["JUPYTERHUB_USER"]
        os.environ.pop("RSO_GROUPS", None)
