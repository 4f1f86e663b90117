"""Room-sized preheating: the trainee page's pool of preheated kernels grows to the workshops
expected now, fills one kernel at a time, and shrinks when they close (issue 12).

Voilà (0.5, `voila_kernel_manager.py`, from PR #936) keeps `kernel_pools_config[nb]["pool_size"]`
kernels per notebook and starts every missing one at once: at start-up, and again after each
page takes one. On a 2-core machine that means several kernels importing and executing the
notebook together, and a large pool can take the server down (voila-dashboards/voila#1178).

Why two pages failed with a pool of two: each preheated kernel executes the notebook while the
server waits, through nbclient, for the cell's output. nbclient waits only `iopub_timeout`
(4 s by default) for the output messages after the cell's reply; past that it logs "Timeout
waiting for IOPub output" and keeps the cell *without* the widget's output, so the page shows
the heading and text but never the form. Two (or more) kernels executing at once on a busy
machine are slow enough to pass 4 s. Reproduced here with `--VoilaExecutor.iopub_timeout=0`:
every page rendered without its form, exactly as reported. Fixed twice over:
`VoilaExecutor.iopub_timeout` is 60 s in voila.json (a cell's output is waited for, not
dropped), and this mixin starts at most `preload_at_once` pool kernels at a time.

`RoomPoolMixin` (a base of `kernels.WorkbookKernelManager`) replaces Voilà's fill with a
gradual one and runs a small controller every `TICK_SECONDS`:
- targets: each notebook keeps its voila.json pool (the floor; the calculator's small pool);
  the trainee page (`ROOM_NOTEBOOK`) grows to the trainees still expected in the open workshops
  (expected size − joined, from `store.rooms`), within `preload_memory_mib` ÷ the measured RSS
  of one preheated kernel (`pool_targets`);
- grow: one more kernel whenever fewer than `preload_at_once` pool kernels are still warming;
- shrink: ready kernels above the target are shut down (never one a page has taken).
Each preheated kernel is its own process that has read nothing user-specific (the trainee page
opens the store only when someone joins): kernels share no mutable state.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from typing import Any

from tornado.ioloop import PeriodicCallback  # loaded with jupyter_server by kernels.py

from ..settings import get_settings

ROOM_NOTEBOOK = "workshop.ipynb"
TICK_SECONDS = 2.0
MIB = 2**20


def pool_targets(floors: dict[str, int], rooms: Iterable[tuple[int, int]], *,
                 ceiling_mib: float, kernel_mib: float, open_pages: int = 0,
                 room_notebook: str = ROOM_NOTEBOOK) -> dict[str, int]:
    """How many preheated kernels each notebook should have waiting.

    `floors`: the voila.json pool of each notebook (always kept); `rooms`: (expected, joined)
    for each open workshop; `open_pages`: trainee pages open now (kernels taken from the pool,
    so people who arrived but have not joined yet count as arrived). The room notebook gets the
    trainees still expected, but all pools together stay within `ceiling_mib` of `kernel_mib`
    each (floors are kept even then)."""
    targets = {nb: max(0, int(n)) for nb, n in floors.items()}
    if room_notebook not in targets:
        return targets
    floor = targets[room_notebook]
    rooms = list(rooms)
    expected = sum(max(0, int(e)) for e, _ in rooms)
    joined = sum(min(max(0, int(j)), max(0, int(e))) for e, j in rooms)
    waiting = max(0, expected - max(joined, int(open_pages)))
    others = sum(n for nb, n in targets.items() if nb != room_notebook)
    cap = int(ceiling_mib // kernel_mib) if kernel_mib > 0 else 0
    targets[room_notebook] = max(floor, min(waiting, cap - others))
    return targets


def at_once_default() -> int:
    """Pool kernels warming at the same time: half the cores, at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def read_rooms() -> list[tuple[int, int]]:
    """(expected, joined) of each open workshop with an expected size, from the store."""
    # deferred: SQLAlchemy (store.rooms) and psutil load when used, not at server start
    from ..store.rooms import open_rooms

    return open_rooms()


class RoomPoolMixin:
    """Gradual, room-sized pools for Voilà's preheating kernel manager (see module doc)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        s = get_settings()
        self.room_ceiling_mib = float(s.preload_memory_mib)
        self.room_kernel_mib = float(s.preload_kernel_mib)  # until measured
        self.room_at_once = s.preload_at_once or at_once_default()
        self.room_check_seconds = float(s.preload_check_seconds)
        self.room_rooms: list[tuple[int, int]] = []
        self.room_targets: dict[str, int] = {}
        self.room_floors: dict[str, int] | None = None
        self.room_measured: dict[str, float] = {}  # kernel id → RSS MiB
        self._rooms_read_at = float("-inf")
        self._room_reported: tuple[Any, ...] = ()
        self._room_timer: Any = None
        if not hasattr(type(self), "fill_if_needed"):
            return  # preheating is off: Voilà gave us its plain manager
        self._voila_fill = self.fill_if_needed
        self.fill_if_needed = self.gradual_fill  # instance attribute: wins over Voilà's method
        self._room_timer = PeriodicCallback(self._room_tick, TICK_SECONDS * 1000)
        self._room_timer.start()

    # -- what Voilà calls ------------------------------------------------------------------------
    def _floors(self) -> dict[str, int]:
        if self.room_floors is None:
            config = self.kernel_pools_config  # type: ignore[attr-defined]
            default = int(config.get("default", {}).get("pool_size", 0))
            self.room_floors = {nb: int(cfg.get("pool_size", default))
                                for nb, cfg in config.items() if nb != "default"}
            self.room_floors["default"] = default
        return self.room_floors

    def _floor(self, notebook: str) -> int:
        floors = self._floors()
        return floors.get(notebook, floors["default"])

    def gradual_fill(self, delay: float | None = None, notebook_name: str | None = None,
                     extra_kernel_env_variables: dict | None = None, **kwargs: Any) -> None:
        """Voilà's `fill_if_needed`, starting only as many kernels as may warm at once."""
        if notebook_name is None:
            return
        pools = getattr(self, "_pools", {})
        pool = pools.get(notebook_name, [])
        target = self._targets().get(notebook_name, self._floor(notebook_name))
        allowed = min(target - len(pool), self.room_at_once - self.warming())
        config = self.kernel_pools_config  # type: ignore[attr-defined]
        entry = config.setdefault(notebook_name, {"pool_size": self._floor(notebook_name)})
        entry["pool_size"] = len(pool) + max(0, allowed)  # Voilà starts (pool_size - len(pool))
        self._voila_fill(delay, notebook_name, extra_kernel_env_variables or {}, **kwargs)

    # -- the controller --------------------------------------------------------------------------
    def warming(self) -> int:
        """Pool kernels still starting or executing their notebook."""
        n = 0
        for pool in getattr(self, "_pools", {}).values():
            for item in pool:
                if not _ready(item):
                    n += 1
        return n

    def _ready_kernels(self, notebook: str) -> list[str]:
        pool = getattr(self, "_pools", {}).get(notebook, [])
        return [kid for kid in (_kernel_id(item) for item in pool if _ready(item)) if kid]

    def _measure(self) -> None:
        """RSS of the ready pooled kernels; the mean replaces the assumed figure."""
        # deferred: SQLAlchemy (store.rooms) and psutil load when used, not at server start
        import psutil

        for notebook in getattr(self, "_pools", {}):
            for kid in self._ready_kernels(notebook):
                if kid in self.room_measured:
                    continue
                pid = getattr(getattr(self._kernels.get(kid), "provisioner", None),  # type: ignore[attr-defined]
                              "pid", None)
                if not isinstance(pid, int):
                    continue  # not a local process (psutil.Process(None) would be the server)
                try:
                    self.room_measured[kid] = psutil.Process(pid).memory_info().rss / MIB
                except (psutil.Error, TypeError, ValueError):
                    continue
        if self.room_measured:
            self.room_kernel_mib = sum(self.room_measured.values()) / len(self.room_measured)

    def open_pages(self, notebook: str = ROOM_NOTEBOOK) -> int:
        """Pages of `notebook` open now: its kernels alive and not waiting in the pool."""
        data = getattr(self, "notebook_data", {}).get(notebook, {})
        pool = getattr(self, "_pools", {}).get(notebook, [])
        return max(0, len(data.get("kernel_ids", ())) - len(pool))

    def _targets(self) -> dict[str, int]:
        floors = {nb: self._floor(nb) for nb in getattr(self, "_pools", {})}
        self.room_targets = pool_targets(floors, self.room_rooms,
                                         ceiling_mib=self.room_ceiling_mib,
                                         kernel_mib=self.room_kernel_mib,
                                         open_pages=self.open_pages())
        return self.room_targets

    async def _room_tick(self) -> None:
        try:
            await self.adjust_pools()
        except Exception:  # never let the controller take the server down
            self.log.exception("could not adjust the preheated pools")  # type: ignore[attr-defined]

    async def adjust_pools(self, *, read: bool = True) -> dict[str, int]:
        """One controller step: read the rooms (now and then), set targets, shrink, grow."""
        pools = getattr(self, "_pools", None)
        if pools is None:
            return {}
        if read and time.monotonic() - self._rooms_read_at >= self.room_check_seconds:
            self._rooms_read_at = time.monotonic()
            try:
                self.room_rooms = await asyncio.to_thread(read_rooms)
            except Exception as exc:
                self.log.warning("could not read the open workshops (%s): keeping the last sizes",
                            exc)
        self._measure()
        self._targets()
        for notebook, target in self.room_targets.items():
            excess = len(pools[notebook]) - target
            for kid in self._ready_kernels(notebook)[-excess:] if excess > 0 else []:
                self.log.info("Preheated pool of %s: shutting down spare kernel %s",  # type: ignore[attr-defined]
                              notebook, kid)
                self.room_measured.pop(kid, None)
                await self.shutdown_kernel(kid)  # type: ignore[attr-defined]
            if len(pools[notebook]) < target:
                self.fill_if_needed(delay=0, notebook_name=notebook)
        self._report()
        return self.room_targets

    def _report(self) -> None:
        pools = getattr(self, "_pools", {})
        state = tuple((nb, len(self._ready_kernels(nb)), t)
                      for nb, t in sorted(self.room_targets.items()) if t or pools.get(nb))
        if (state, self.room_rooms) != self._room_reported:  # a room closing is news too
            self._room_reported = (state, self.room_rooms)
            self.log.info("Preheated pools (ready/wanted): %s; rooms (expected, joined) %s, "
                          "trainee pages open %d; ~%.0f MiB per kernel, ceiling %.0f MiB",
                          ", ".join(f"{nb} {r}/{t}" for nb, r, t in state) or "none",
                          self.room_rooms, self.open_pages(), self.room_kernel_mib,
                          self.room_ceiling_mib)

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        if self._room_timer is not None:
            self._room_timer.stop()
        await super().shutdown_all(*args, **kwargs)  # type: ignore[misc]


def _kernel_id(item: asyncio.Future) -> str | None:
    try:
        return item.result()["kernel_id"]
    except Exception:
        return None


def _ready(item: asyncio.Future) -> bool:
    """A pool entry whose kernel has started and executed its notebook."""
    if not item.done():
        return False
    try:
        result = item.result()
    except Exception:
        return True  # a failed start warms nothing
    task = result.get("task") if isinstance(result, dict) else None
    return task is None or task.done()
