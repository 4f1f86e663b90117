"""The kernel manager named in voila.json (`VoilaConfiguration.multi_kernel_manager_class`).

Jupyter Server's idle culling measures idleness from a kernel's last message. A preheated kernel
executes its notebook and then waits in Voilà's pool, where it is never culled. When a page takes
it, its last message may be long past, and with `cull_connected` the culler would shut it down
in the second or two before the page's websocket connects, leaving a dead page. This manager
gives a kernel that has never had a connection a full idle period, counted from the first time
the culler sees it outside the pool, before ordinary culling applies. A page closed before it
connected is still freed, after at most twice the idle timeout.

A page connecting is activity too. Jupyter Server counts only some kernel messages as activity
(not the connection's kernel_info or comm_info exchange), so a kernel that waited in the pool
for longer than the idle timeout was culled in the seconds between its page connecting and the
page's first widget message or heartbeat: the person saw "this page stopped" as it opened (a
browser test caught it on a busy machine, 82 s idle against a 20 s timeout).
"""

from __future__ import annotations

import datetime as dt

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from .lifecycle import PageLifecycle
from .pool import RoomPoolMixin


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WorkbookKernelManager(PageLifecycle, RoomPoolMixin, AsyncMappingKernelManager):
    """`AsyncMappingKernelManager` with a grace period for kernels not yet connected, the page
    lifecycle of `lifecycle.py` (heartbeats, page-closed shutdowns) and room-sized, gradually
    filled preheated pools (`pool.RoomPoolMixin`)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._connected_once: set[str] = set()
        self._unconnected_since: dict[str, dt.datetime] = {}

    def notify_connect(self, kernel_id: str) -> None:
        self._connected_once.add(kernel_id)
        self._unconnected_since.pop(kernel_id, None)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None:
            kernel.last_activity = utcnow()  # a page connecting is activity (see module doc)
        super().notify_connect(kernel_id)

    def in_grace(self, kernel_id: str) -> bool:
        """True while a never-connected kernel is within its grace period (starts it if new)."""
        if kernel_id in self._connected_once:
            return False
        first = self._unconnected_since.setdefault(kernel_id, _now())
        return _now() - first <= dt.timedelta(seconds=self.cull_idle_timeout)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        kernel = self._kernels.get(kernel_id)
        dead = getattr(kernel, "execution_state", None) == "dead"
        if kernel is not None and not dead and self.in_grace(kernel_id):
            return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:
        self._connected_once.discard(kernel_id)
        self._unconnected_since.pop(kernel_id, None)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
