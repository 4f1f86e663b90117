"""A page's kernel lives as long as its page: freed soon after the page closes, never culled while
the page is open and shown.

Three signals, all per kernel id (a UUID the page is given in its page config and nobody else
learns):
- the page's `pagehide` beacon (`POST …/rso/api/kernels/<id>/closed`) shuts the kernel down at once;
- when the kernel's last websocket closes (a crashed browser sends no beacon), it is shut down
  after `PAGE_CLOSE_GRACE_SECONDS` unless a connection comes back (a websocket that drops and
  reconnects, e.g. a proxy or Wi-Fi hiccup). A reloaded page has a kernel of its own, so the
  grace never keeps an old kernel for a new page;
- a heartbeat (`POST …/heartbeat`) sent while the page is visible counts as activity for the idle
  culler; a page hidden for longer than the idle timeout may be culled, and its next heartbeat
  answers 404 so the page says plainly that it stopped working.

A kernel that dies is restarted by Jupyter's restarter with none of the page's widgets: useless
to its page, so it is shut down and the page's next heartbeat shows the banner.

Kernels still waiting in a preheated pool have never been given to a page and are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time

from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .start_page import saves_drafts

PAGE_CLOSE_GRACE_SECONDS = 15.0  # covers a websocket's automatic reconnects (1, 2, 4, 8 s)
KERNEL_ID = r"(?P<kernel_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
_KERNEL_ID_RE = re.compile(KERNEL_ID + r"\Z")


def heartbeat_seconds(cull_idle_timeout: float) -> int:
    """How often a visible page says it is open: four beats per idle period, 5 to 30 s apart."""
    if cull_idle_timeout <= 0:
        return 30
    return int(max(5, min(30, cull_idle_timeout // 4)))


class PageLifecycle:
    """Mixin for a `MappingKernelManager`: page heartbeats, page-closed shutdowns, and a grace
    period after a kernel's last websocket closes."""

    page_close_grace_seconds: float = PAGE_CLOSE_GRACE_SECONDS

    def _disconnected(self) -> dict[str, float]:
        if not hasattr(self, "_rso_disconnected_at"):
            self._rso_disconnected_at: dict[str, float] = {}
        return self._rso_disconnected_at

    def _restarted(self) -> set[str]:
        if not hasattr(self, "_rso_restarted"):
            self._rso_restarted: set[str] = set()
        return self._rso_restarted

    async def start_kernel(self, *args: object, **kwargs: object) -> str:
        kernel_id = await super().start_kernel(*args, **kwargs)
        if not hasattr(self, "_rso_watched"):
            self._rso_watched: set[str] = set()
        if kernel_id not in self._rso_watched:  # start_kernel may return a running kernel
            self._rso_watched.add(kernel_id)
            self.add_restart_callback(kernel_id, lambda: self._kernel_restarted(kernel_id),
                                      "restart")
        return kernel_id

    def _kernel_restarted(self, kernel_id: str) -> None:
        """The kernel died and is being restarted: its page's widgets are gone with it."""
        self.log.warning("Kernel %s died: shutting it down (its page shows that it stopped)",
                         kernel_id)
        self._restarted().add(kernel_id)
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(
                2, lambda: asyncio.ensure_future(self._shut_down_quietly(kernel_id)))

    async def _shut_down_quietly(self, kernel_id: str) -> None:
        if kernel_id in self._kernels:
            try:
                await ensure_async(self.shutdown_kernel(kernel_id))
            except Exception:  # already gone, or shutting down: nothing left to free
                self.log.debug("kernel %s was already shut down", kernel_id, exc_info=True)

    def in_pool(self, kernel_id: str) -> bool:
        """True while the kernel waits in a preheated pool (Voilà's `_pools`), given to no page."""
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                with contextlib.suppress(Exception):
                    if task.done() and task.result().get("kernel_id") == kernel_id:
                        return True
        return False

    def page_kernel(self, kernel_id: str) -> bool:
        """True if `kernel_id` names a running kernel that a page may speak for."""
        return (bool(_KERNEL_ID_RE.match(kernel_id)) and kernel_id in self._kernels
                and not self.in_pool(kernel_id))

    def page_heartbeat(self, kernel_id: str) -> bool:
        """Count a visible page's heartbeat as activity; False if its kernel is gone or dead."""
        if not self.page_kernel(kernel_id):
            return False
        kernel = self._kernels[kernel_id]
        if kernel_id in self._restarted() or getattr(kernel, "execution_state", None) == "dead":
            return False
        kernel.last_activity = utcnow()
        return True

    async def page_closed(self, kernel_id: str) -> bool:
        """Shut down the kernel of a page that was closed; False if there is no such kernel."""
        if not self.page_kernel(kernel_id):
            return False
        self.log.info("Shutting down kernel %s: its page was closed", kernel_id)
        await ensure_async(self.shutdown_kernel(kernel_id))
        return True

    def notify_connect(self, kernel_id: str) -> None:
        self._disconnected().pop(kernel_id, None)
        super().notify_connect(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if kernel_id in self._kernels and self._kernel_connections.get(kernel_id, 0) <= 0:
            self._disconnected()[kernel_id] = time.monotonic()
            with contextlib.suppress(RuntimeError):  # no running loop (unit tests)
                asyncio.get_running_loop().call_later(
                    self.page_close_grace_seconds,
                    lambda: asyncio.ensure_future(self._close_if_still_gone(kernel_id)))

    async def _close_if_still_gone(self, kernel_id: str) -> None:
        since = self._disconnected().get(kernel_id)
        if since is None or kernel_id not in self._kernels:
            return
        if time.monotonic() - since < self.page_close_grace_seconds - 0.5:
            return  # disconnected again later: that disconnection's own timer decides
        if self._kernel_connections.get(kernel_id, 0) > 0:
            return
        self.log.info("Shutting down kernel %s: no page connected for %.0f s", kernel_id,
                      time.monotonic() - since)
        await self._shut_down_quietly(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:
        self._disconnected().pop(kernel_id, None)
        self._restarted().discard(kernel_id)
        getattr(self, "_rso_watched", set()).discard(kernel_id)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)


class _PageKernelHandler(APIHandler):
    """Base for the page's calls: authenticated as Voilà's own API, POST checked for XSRF and
    origin by Jupyter Server (`JupyterHandler.prepare`), the kernel id must be a page's."""

    @property
    def lifecycle(self) -> PageLifecycle | None:
        km = self.kernel_manager
        return km if isinstance(km, PageLifecycle) else None


class PageKernelHandler(_PageKernelHandler):
    """GET: the page's settings (heartbeat interval, whether its app keeps drafts) and whether
    its kernel is alive. Also sets the `_xsrf` cookie the page's POSTs need (Voilà's own page
    handler never sets it, so its `beforeunload` shutdown beacon was refused)."""

    @web.authenticated
    async def get(self, kernel_id: str) -> None:
        _ = self.xsrf_token  # sets the _xsrf cookie
        km = self.lifecycle
        if km is None:  # a kernel manager without the lifecycle: the page does without it
            raise web.HTTPError(404, "no page lifecycle here")
        alive = km.page_kernel(kernel_id)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({
            "alive": alive,
            "heartbeat_seconds": heartbeat_seconds(getattr(self.kernel_manager,
                                                           "cull_idle_timeout", 0)),
            "saves_drafts": saves_drafts(self.get_argument("notebook", "")),
        }))


class HeartbeatHandler(_PageKernelHandler):
    """POST: the page is open and shown (204), or its kernel is gone (404)."""

    @web.authenticated
    async def post(self, kernel_id: str) -> None:
        km = self.lifecycle
        if km is None or not km.page_heartbeat(kernel_id):
            raise web.HTTPError(404, "no such kernel")
        self.set_status(204)
        self.finish()


class PageClosedHandler(_PageKernelHandler):
    """POST (the page's `pagehide`/`beforeunload` beacon): shut the page's kernel down."""

    @web.authenticated
    async def post(self, kernel_id: str) -> None:
        km = self.lifecycle
        if km is None or not await km.page_closed(kernel_id):
            raise web.HTTPError(404, "no such kernel")
        self.set_status(204)
        self.finish()


def lifecycle_handlers(base_url: str) -> list[tuple[str, type]]:
    """The page-lifecycle routes under `base_url`, including Voilà's own shutdown beacon URL
    (same rules as ours, in place of Voilà's handler, which shuts down any id it is given)."""
    api = url_path_join(base_url, "rso/api/kernels", KERNEL_ID)
    return [
        (api, PageKernelHandler),
        (api + "/heartbeat", HeartbeatHandler),
        (api + "/closed", PageClosedHandler),
        (url_path_join(base_url, "voila/api/shutdown", r"(?P<kernel_id>[^/]*)"),
         PageClosedHandler),
    ]
