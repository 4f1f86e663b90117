"""Execute a notebook with nbclient for the tests, and say exactly what happened when a cell's
output never arrived.

nbclient waits `IOPUB_WAIT` seconds after a cell's reply for its output (the widget display and
the kernel's "idle"); `raise_on_iopub_timeout` makes a missing output a failure rather than a
silently empty cell. Rarely, on a starved machine, a store-opening app's output has never come
(CI, stop 21: `live_assessment()` in the fresh Binder venv; the Voilà pages' "never drew" is the
same symptom, issue notes of stops 20-21). Until its cause is found, such a notebook is run once
more in a fresh kernel, and the first attempt is reported, never hidden: `run_notebook` returns
a note naming the cell, how long it had waited and which output messages had arrived, which the
tests print as a warning. Any other failure, or the same one twice, fails at once.

Used in-process by `test_notebooks.py` and from the Binder venv's script in `test_binder.py`
(this file imports only nbformat and nbclient, which that venv has).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

IOPUB_WAIT = 60
IOPUB_TIMEOUT = "Timeout waiting for IOPub output"


class WatchedClient(NotebookClient):
    """A NotebookClient that remembers, for the cell running now, when it started and which
    output messages (by type) have arrived for it."""

    cell_index: int = -1
    cell_started: float = 0.0
    cell_messages: Counter[str] | None = None

    async def async_execute_cell(self, cell: Any, cell_index: int, *args: Any,
                                 **kwargs: Any) -> Any:
        self.cell_index, self.cell_started = cell_index, time.monotonic()
        self.cell_messages = Counter()
        return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        if self.cell_messages is not None:
            self.cell_messages[msg["msg_type"]] += 1
        return super().process_message(msg, cell, cell_index)

    def stall_note(self, name: str) -> str:
        """One line: which cell waited how long, and what had (not) arrived."""
        seen = self.cell_messages or Counter()
        got = ", ".join(f"{n} {t}" for t, n in sorted(seen.items())) or "nothing"
        return (f"{name} cell {self.cell_index}: its reply came but its output did not finish "
                f"within {IOPUB_WAIT} s ({time.monotonic() - self.cell_started:.0f} s after the "
                f"cell started; had {got})")


def run_notebook(path: Path, *, cwd: Path, timeout: int = 180, kernel_name: str = "python3",
                 extra_code: str = "") -> tuple[Any, list[str]]:
    """Execute the notebook at `path` (plus a last cell `extra_code`, if given; errors are kept
    in the outputs) and return it with a list of notes: one per attempt whose cell output never
    arrived (at most one; see the module docstring)."""
    notes: list[str] = []
    for attempt in (1, 2):
        nb = nbformat.read(path, as_version=4)
        if extra_code:
            nb.cells.append(nbformat.v4.new_code_cell(extra_code))
        client = WatchedClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                               iopub_timeout=IOPUB_WAIT, raise_on_iopub_timeout=True,
                               resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute()
        except CellTimeoutError as exc:
            if IOPUB_TIMEOUT not in str(exc):
                raise
            notes.append(client.stall_note(path.name))
            if attempt == 2:
                raise CellTimeoutError("\n".join(["the same cell output never came twice:",
                                                  *notes])) from exc
            continue
        return nb, notes
    raise AssertionError("unreachable")  # pragma: no cover


class NotebookRetried(UserWarning):
    """A notebook was run a second time because a cell's output never came (see the notes)."""
