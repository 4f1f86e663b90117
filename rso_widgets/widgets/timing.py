"""Debounce: run a function once, a moment after the last of a burst of calls.

In a kernel (Jupyter, Voilà) the kernel's asyncio loop runs widget callbacks on the main thread,
so the deferred call is scheduled on that loop with `call_later` and runs on the main thread
too (no threads, no locking). Without a running loop (plain Python, tests) the call runs at
once, so behaviour is easy to test.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("rso_widgets.widgets.timing")


def running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Debouncer:
    """`d()` schedules `fn()` `delay` seconds from now, replacing any call still waiting."""

    def __init__(self, delay: float, fn: Callable[[], Any]):
        self.delay = delay
        self.fn = fn
        self._handle: asyncio.TimerHandle | None = None

    @property
    def pending(self) -> bool:
        return self._handle is not None

    def __call__(self) -> None:
        self.cancel()
        loop = running_loop()
        if loop is None or self.delay <= 0:
            self._fire()
            return
        self._handle = loop.call_later(self.delay, self._fire)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def flush(self) -> None:
        """Run a waiting call now (e.g. before saving)."""
        if self._handle is not None:
            self.cancel()
            self._fire()

    def _fire(self) -> None:
        self._handle = None
        try:
            self.fn()
        except Exception:  # fn should report its own errors; never let one escape the loop
            log.exception("a deferred call failed")
