"""Shared by the browser tests: a private `rso-workbook serve` per module (its own temporary data
directory and user) and the check that a page shows no Python traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rso_widgets.commands.serve import ServedWorkbooks

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK_TEXT = ("Traceback", 'File "', "Error in callback")


def assert_no_traceback(page) -> None:
    text = page.locator("body").inner_text()
    found = [t for t in TRACEBACK_TEXT if t in text]
    assert not found, f"the page shows traceback text {found}"


@contextmanager
def private_server(tmp_path_factory: pytest.TempPathFactory, name: str, user: str,
                   seed: Callable[[Path], object] | None = None) -> Iterator[ServedWorkbooks]:
    """Serve workbooks/ with a fresh data directory (seeded first if asked) as `user`."""
    base = tmp_path_factory.mktemp(name)
    if seed is not None:
        seed(base / "data")
    server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=base / "voila.log",
                             env={"RSO_DATA_DIR": str(base / "data"), "RSO_USER": user})
    try:
        server.start(timeout=90)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"could not start rso-workbook serve: {exc}")
    try:
        yield server
    finally:
        server.stop()
