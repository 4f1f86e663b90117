"""Room-sized preheating (issue 12): the sizing rule, the open rooms read from the store, and
the controller that fills the trainee page's pool one kernel at a time and shrinks it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pytest
from audited import audit_log
from identities import open_as

from rso_widgets.serving import setting
from rso_widgets.serving.pool import ROOM_NOTEBOOK, RoomPoolMixin, pool_targets
from rso_widgets.settings import get_settings
from rso_widgets.store.errors import AccessDenied
from rso_widgets.store.rooms import open_rooms

FLOORS = {"rm2000_calculator.ipynb": 1, ROOM_NOTEBOOK: 1, "other.ipynb": 0}


def test_pool_keeps_its_floor_without_rooms():
    assert pool_targets(FLOORS, [], ceiling_mib=2048, kernel_mib=100) == FLOORS


def test_pool_grows_to_the_trainees_still_expected():
    t = pool_targets(FLOORS, [(30, 0)], ceiling_mib=4096, kernel_mib=100)
    assert t[ROOM_NOTEBOOK] == 30 and t["rm2000_calculator.ipynb"] == 1  # calculator stays small
    assert pool_targets(FLOORS, [(30, 12), (10, 0)], ceiling_mib=4096,
                        kernel_mib=100)[ROOM_NOTEBOOK] == 28
    assert pool_targets(FLOORS, [(30, 40)], ceiling_mib=4096,
                        kernel_mib=100)[ROOM_NOTEBOOK] == 1  # more joined than expected: floor


def test_pages_already_open_count_as_arrived():
    # 30 expected, 12 joined, 20 pages open (8 not joined yet): 10 still to come
    assert pool_targets(FLOORS, [(30, 12)], ceiling_mib=4096, kernel_mib=100,
                        open_pages=20)[ROOM_NOTEBOOK] == 10
    assert pool_targets(FLOORS, [(30, 12)], ceiling_mib=4096, kernel_mib=100,
                        open_pages=5)[ROOM_NOTEBOOK] == 18  # joined, then closed their page
    assert pool_targets(FLOORS, [(30, 0)], ceiling_mib=4096, kernel_mib=100,
                        open_pages=30)[ROOM_NOTEBOOK] == 1


def test_pool_is_bounded_by_the_memory_ceiling():
    # 1000 MiB at 100 MiB a kernel: 10 kernels in all pools, the calculator's one included
    assert pool_targets(FLOORS, [(30, 0)], ceiling_mib=1000, kernel_mib=100)[ROOM_NOTEBOOK] == 9
    assert pool_targets(FLOORS, [(30, 0)], ceiling_mib=1000, kernel_mib=250)[ROOM_NOTEBOOK] == 3
    # a ceiling below the floors keeps the floors (voila.json's pools are always served)
    assert pool_targets(FLOORS, [(30, 0)], ceiling_mib=50, kernel_mib=100) == FLOORS


def test_no_room_notebook_served_means_no_room_pool():
    assert pool_targets({"a.ipynb": 2}, [(30, 0)], ceiling_mib=9999, kernel_mib=1) == {
        "a.ipynb": 2}


def test_voila_waits_long_enough_for_cell_output():
    # the pool-of-two failure: nbclient's 4 s default dropped the form's output under load
    assert setting("VoilaExecutor", "iopub_timeout") >= 30


def test_no_database_means_no_rooms_and_nothing_created(tmp_path):
    assert open_rooms(f"sqlite:///{tmp_path / 'w.sqlite'}") == []
    assert not (tmp_path / "w.sqlite").exists()


def test_open_rooms_reads_open_notebook_page_workshops_with_a_size(store_url):
    url = store_url
    store = open_as(url, user="trainer")
    room = store.create_cohort("Room", ["TC-01"], expected_size=30, trainee_page="notebook")
    store.create_cohort("No size", ["TC-01"], trainee_page="notebook")
    closed = store.create_cohort("Closed", ["TC-01"], expected_size=12, trainee_page="notebook")
    store.set_cohort_open(closed.id, False)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store.create_cohort("Expired", ["TC-01"], expected_size=8, expires_at=past,
                        trainee_page="notebook")
    store.create_cohort("Room page", ["TC-01"], expected_size=40)  # the default page
    store.join_cohort(room.id, "Ann")
    store.join_cohort(room.id, "Bo")
    assert open_rooms(url) == [(30, 2)]
    assert store.set_cohort_expected_size(room.id, 20).expected_size == 20
    assert open_rooms(url) == [(20, 2)]
    assert store.set_cohort_trainee_page(room.id, "room").trainee_page == "room"
    assert open_rooms(url) == []  # its trainees moved to the room page: no kernels for them
    assert store.set_cohort_trainee_page(room.id, "notebook").trainee_page == "notebook"
    assert open_rooms(url) == [(20, 2)]
    store.set_cohort_open(room.id, False)
    assert open_rooms(url) == []


def test_trainee_page_is_checked_audited_and_only_the_trainers_to_change(store_url):
    store = open_as(store_url, user="trainer")
    cohort = store.create_cohort("Room", ["TC-01"], expected_size=30)
    assert cohort.trainee_page == "room"  # the default and recommended page
    with pytest.raises(ValueError, match="room or the notebook page"):
        store.create_cohort("Bad", ["TC-01"], trainee_page="voila")
    with pytest.raises(ValueError, match="not 'jupyter'"):
        store.set_cohort_trainee_page(cohort.id, "jupyter")
    store.set_cohort_trainee_page(cohort.id, "notebook")
    changes = [e.detail for e in audit_log(store)
               if e.entity == "cohort" and e.action == "change"]
    assert {"trainee_page": "notebook"} in [
        {k: v for k, v in (d or {}).items() if k != "row_hashes"} for d in changes]
    other = open_as(store_url, user="someone.else")
    with pytest.raises(AccessDenied):
        other.set_cohort_trainee_page(cohort.id, "room")
    with pytest.raises(AccessDenied):  # nor the size, which grows the pool on the notebook page
        other.set_cohort_expected_size(cohort.id, 500)
    assert store.get_cohort(cohort.id).expected_size == 30
    assert store.get_cohort(cohort.id).trainee_page == "notebook"


@pytest.mark.parametrize("bad", [0, -1, 501, 2.5, True, "30"])
def test_expected_size_must_be_a_plausible_room(tmp_path, bad):
    store = open_as(f"sqlite:///{tmp_path / 'w.sqlite'}", user="trainer")
    with pytest.raises(ValueError, match="expected trainees"):
        store.create_cohort("Room", ["TC-01"], expected_size=bad)


# --- the controller, on a stand-in for Voilà's kernel manager ---------------------------------

class FakeVoila:
    """What RoomPoolMixin uses of Voilà's VoilaKernelManager: `_pools` of futures resolving to
    {"kernel_id", "task"}, `kernel_pools_config`, `fill_if_needed` starting the missing ones."""

    def __init__(self, **_kwargs: Any):
        self.kernel_pools_config = {"default": {"pool_size": 0},
                                    ROOM_NOTEBOOK: {"pool_size": 1},
                                    "rm2000_calculator.ipynb": {"pool_size": 1}}
        self.log = logging.getLogger("test-room-pool")
        self._kernels: dict[str, Any] = {}
        self._pools: dict[str, list[asyncio.Future]] = {}
        self.notebook_data: dict[str, dict] = {}  # notebook → {"kernel_ids": pooled and taken}
        self.starting: list[tuple[asyncio.Future, str]] = []
        self.shut: list[str] = []

    def fill_if_needed(self, delay: Any = None, notebook_name: str | None = None,
                       extra: Any = None, **_kwargs: Any) -> None:
        pool = self._pools.setdefault(notebook_name, [])
        size = self.kernel_pools_config.get(notebook_name, {"pool_size": 0})["pool_size"]
        for _ in range(size - len(pool)):
            fut = asyncio.get_running_loop().create_future()
            pool.append(fut)
            kid = f"k{len(self.starting)}"
            self.starting.append((fut, kid))
            self.notebook_data.setdefault(notebook_name, {"kernel_ids": set()})[
                "kernel_ids"].add(kid)

    async def shutdown_kernel(self, kernel_id: str) -> None:
        for pool in self._pools.values():
            pool[:] = [f for f in pool if not (f.done() and f.result()["kernel_id"] == kernel_id)]
        for data in self.notebook_data.values():
            data["kernel_ids"].discard(kernel_id)
        self.shut.append(kernel_id)

    async def shutdown_all(self) -> None:
        pass


class Managed(RoomPoolMixin, FakeVoila):
    pass


def _finish_all(km: Managed) -> int:
    done = 0
    for fut, kid in km.starting:
        if not fut.done():
            task = asyncio.get_running_loop().create_future()
            task.set_result(None)
            fut.set_result({"kernel_id": kid, "task": task})
            done += 1
    return done


@pytest.fixture
def settings_env(monkeypatch):
    monkeypatch.setenv("RSO_PRELOAD_AT_ONCE", "1")
    monkeypatch.setenv("RSO_PRELOAD_MEMORY_MIB", "1000")
    monkeypatch.setenv("RSO_PRELOAD_KERNEL_MIB", "100")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_controller_fills_one_at_a_time_then_shrinks(settings_env, monkeypatch):
    rooms: list[tuple[int, int]] = [(6, 0)]
    monkeypatch.setattr("rso_widgets.serving.pool.read_rooms", lambda: list(rooms))

    async def scenario() -> None:
        km = Managed()
        km.room_check_seconds = 0
        try:
            for nb in (ROOM_NOTEBOOK, "rm2000_calculator.ipynb"):  # as Voilà does at start-up
                km.fill_if_needed(delay=0, notebook_name=nb)
            assert len(km.starting) == 1  # one kernel warming at a time
            peak = 0
            for _ in range(20):
                await km.adjust_pools()
                peak = max(peak, km.warming())
                _finish_all(km)
            assert peak <= 1
            assert len(km._pools[ROOM_NOTEBOOK]) == 6  # the room's 6 trainees
            assert len(km._pools["rm2000_calculator.ipynb"]) == 1
            # a page takes a kernel: Voilà asks for a refill, but that trainee has arrived
            km._pools[ROOM_NOTEBOOK].pop(0)
            km.fill_if_needed(notebook_name=ROOM_NOTEBOOK)
            assert km.warming() == 0 and len(km._pools[ROOM_NOTEBOOK]) == 5
            assert km.open_pages() == 1
            rooms[:] = [(6, 4)]  # four joined (one page still open): two still expected
            await km.adjust_pools()
            assert len(km._pools[ROOM_NOTEBOOK]) == 2 and len(km.shut) == 3
            rooms[:] = [(6, 0)]  # growing again, and Voilà's refills, stay one at a time
            await km.adjust_pools()
            km.fill_if_needed(notebook_name=ROOM_NOTEBOOK)
            km.fill_if_needed(notebook_name=ROOM_NOTEBOOK)
            assert km.warming() == 1
            _finish_all(km)
            rooms[:] = []  # the workshop closed: back to voila.json's pool of one
            await km.adjust_pools()
            assert len(km._pools[ROOM_NOTEBOOK]) == 1
            rooms[:] = [(60, 0)]  # a big room: bounded by 1000 MiB ÷ 100 MiB, calculator incl.
            for _ in range(30):
                await km.adjust_pools()
                _finish_all(km)
            assert len(km._pools[ROOM_NOTEBOOK]) == 9
        finally:
            await km.shutdown_all()

    asyncio.run(scenario())


def test_controller_never_shuts_down_a_warming_kernel(settings_env, monkeypatch):
    rooms: list[tuple[int, int]] = [(3, 0)]
    monkeypatch.setattr("rso_widgets.serving.pool.read_rooms", lambda: list(rooms))

    async def scenario() -> None:
        km = Managed()
        km.room_check_seconds = 0
        try:
            km._pools = {ROOM_NOTEBOOK: []}
            await km.adjust_pools()  # starts one (not finished)
            assert km.warming() == 1
            rooms[:] = []
            km.kernel_pools_config[ROOM_NOTEBOOK]["pool_size"] = 0
            km.room_floors = None
            await km.adjust_pools()
            assert km.shut == [] and km.warming() == 1
        finally:
            await km.shutdown_all()

    asyncio.run(scenario())


@pytest.mark.parametrize(("page", "grown"), [("room", 1), ("notebook", 9)])
def test_a_room_page_workshop_of_30_preheats_nothing_beyond_the_base_pool(
        settings_env, monkeypatch, store_url, page, grown):
    """The controller reading the real store: 30 trainees on the room page need no kernels
    (the pool stays at voila.json's one); on the notebook page the pool grows (to the memory
    ceiling here: 1000 MiB at 100 MiB a kernel, the calculator's one included)."""
    store = open_as(store_url, user="trainer")
    store.create_cohort("Thirty", ["TC-01"], expected_size=30, trainee_page=page)
    monkeypatch.setattr("rso_widgets.serving.pool.read_rooms", lambda: open_rooms(store_url))

    async def scenario() -> None:
        km = Managed()
        km.room_check_seconds = 0
        try:
            for nb in (ROOM_NOTEBOOK, "rm2000_calculator.ipynb"):
                km.fill_if_needed(delay=0, notebook_name=nb)
            for _ in range(15):
                await km.adjust_pools()
                _finish_all(km)
            assert len(km._pools[ROOM_NOTEBOOK]) == grown
            assert km.room_targets[ROOM_NOTEBOOK] == grown
            assert len(km._pools["rm2000_calculator.ipynb"]) == 1
        finally:
            await km.shutdown_all()

    asyncio.run(scenario())
