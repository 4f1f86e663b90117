"""Room-sized preheating against a live `rso-workbook serve` (issue 12): a room-page workshop
(the default) preheats nothing however large; a notebook-page workshop created with an expected
size grows the trainee page's pool to it, N pages opened at once all render
the join form, the pool shrinks back after the workshop closes; and the old failure — two
pages opened together with a pool of two — stays fixed. One server, the trainee notebook only,
a fresh data folder; the store is written directly, as the trainer's page would."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import assert_no_traceback
from identities import open_as

from rso_widgets.commands.serve import ServedWorkbooks
from rso_widgets.store.db import DB_FILENAME

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TRAINEE = "voila/render/workshop.ipynb"
READY_TIMEOUT = 90_000


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedWorkbooks, str]]:
    base = tmp_path_factory.mktemp("room")
    folder = base / "workbooks"
    folder.mkdir()
    (folder / "workshop.ipynb").write_bytes((ROOT / "workbooks" / "workshop.ipynb").read_bytes())
    data = base / "data"
    url = f"sqlite:///{data / DB_FILENAME}"  # where the server's RSO_DATA_DIR points
    open_as(url, user="trainer").close()  # the database exists before the server reads it
    server = ServedWorkbooks(directory=folder, log_path=base / "voila.log",
                             env={"RSO_DATA_DIR": str(data), "RSO_USER": "browser.trainee",
                                  "RSO_PRELOAD_CHECK_SECONDS": "2",
                                  "RSO_PRELOAD_MEMORY_MIB": "2048"})
    try:
        server.start(timeout=90)
        yield server, url
    finally:
        server.stop()


def _log_count(server: ServedWorkbooks, text: str) -> int:
    return Path(server.log_path).read_text(encoding="utf-8", errors="replace").count(text)


def _pool_text(ready: int, wanted: int) -> str:
    return f"workshop.ipynb {ready}/{wanted};"


def _wait_pool(server: ServedWorkbooks, ready: int, wanted: int, before: int = 0,
               timeout: float = 150) -> None:
    """Wait until the server has logged `ready`/`wanted` kernels in the trainee page's pool
    more than `before` times."""
    deadline = time.monotonic() + timeout
    while _log_count(server, _pool_text(ready, wanted)) <= before:
        assert time.monotonic() < deadline, f"pool never {ready}/{wanted}:\n{server.log_tail()}"
        time.sleep(0.5)


def _pages_at_once(chromium, server: ServedWorkbooks, n: int) -> list[float]:
    """Open `n` trainee pages together (own browser contexts); seconds until each shows the
    widget join form (its kernel connected). Fails if any page does not."""
    contexts = [chromium.new_context(viewport={"width": 1200, "height": 900}) for _ in range(n)]
    try:
        pages = [c.new_page() for c in contexts]
        t0 = time.perf_counter()
        for pg in pages:
            pg.goto(server.url + TRAINEE, wait_until="commit")
        times = []
        for pg in pages:
            # the widget join form (the quick HTML form before it shows at once)
            pg.locator("button.rso-join-button").wait_for(state="visible",
                                                          timeout=READY_TIMEOUT)
            assert_no_traceback(pg)
            times.append(time.perf_counter() - t0)
        return times
    finally:
        for c in contexts:
            c.close()


def _pooled_kernels(server: ServedWorkbooks) -> int:
    return len(server.kernel_pids())


def test_pool_grows_to_the_room_shrinks_when_closed_and_four_pages_render(chromium, room):
    server, url = room
    _wait_pool(server, 1, 1)  # voila.json's pool of one
    with open_as(url, user="trainer") as store:  # trainees join on the room page: no kernels
        store.create_cohort("Room page of thirty", ["TC-01"], expected_size=30)
    time.sleep(3 * 2)  # three of the controller's reads (RSO_PRELOAD_CHECK_SECONDS=2)
    log = Path(server.log_path).read_text(encoding="utf-8", errors="replace")
    wanted = {int(n) for n in re.findall(r"workshop\.ipynb \d+/(\d+);", log)}
    assert _pooled_kernels(server) == 1 and wanted == {1}, wanted
    with open_as(url, user="trainer") as store:
        cohort = store.create_cohort("Room of four", ["TC-01"], expected_size=4,
                                     trainee_page="notebook")
    _wait_pool(server, 4, 4)
    assert _pooled_kernels(server) == 4
    before = _log_count(server, _pool_text(1, 1))
    with open_as(url, user="trainer") as store:
        store.set_cohort_open(cohort.id, False)
    _wait_pool(server, 1, 1, before)  # closed: the three spare kernels are shut down
    assert _pooled_kernels(server) == 1
    before = _log_count(server, _pool_text(4, 4))
    with open_as(url, user="trainer") as store:
        store.set_cohort_open(cohort.id, True)  # the trainer opens it again
    _wait_pool(server, 4, 4, before)
    try:
        assert len(_pages_at_once(chromium, server, 4)) == 4
    finally:
        # The pages closed without joining, so lifecycle.py frees their kernels and the room
        # would expect them again: close the workshop (the next test sees only its own room).
        no_room = _pool_text(1, 1) + " rooms (expected, joined) []"
        before = _log_count(server, no_room)
        with open_as(url, user="trainer") as store:
            store.set_cohort_open(cohort.id, False)
    deadline = time.monotonic() + 150  # the pool may already be 1/1: wait for the room to go
    while _log_count(server, no_room) <= before:
        assert time.monotonic() < deadline, f"room never closed:\n{server.log_tail()}"
        time.sleep(0.5)
    deadline = time.monotonic() + 60  # closed pages' kernels go within the grace period
    while _pooled_kernels(server) != 1:
        assert time.monotonic() < deadline, f"kernels left: {_pooled_kernels(server)}"
        time.sleep(0.5)


def test_two_pages_at_once_with_a_pool_of_two(chromium, room):
    server, url = room
    before = _log_count(server, _pool_text(2, 2))
    with open_as(url, user="trainer") as store:
        store.create_cohort("Room of two", ["TC-01"], expected_size=2,
                            trainee_page="notebook")
    _wait_pool(server, 2, 2, before)
    assert len(_pages_at_once(chromium, server, 2)) == 2
    log = Path(server.log_path).read_text(encoding="utf-8", errors="replace")
    assert "Timeout waiting for IOPub output" not in log
