"""The SQLite writer queue: a write transaction first queues on an OS lock beside the database
(`<file>-writers.lock`, `fcntl.flock`), so concurrent writers wake in turn when the lock is
released instead of sleeping in SQLite's busy-handler backoff (the autosave tail, issue 12).
The kernel drops the lock when its holder dies, so a killed writer never blocks the others.
`db.make_engine` opens SQLite connections of this class when `sqlite_writer_queue` is on."""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sqlite3
import threading
from typing import Any

log = logging.getLogger("rso_widgets.store.db")

BUSY_TIMEOUT_S = 30


class WriterQueueConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions first queue on `<database>-writers.lock`.

    The lock (`flock`, exclusive) is taken before `BEGIN IMMEDIATE` and released after COMMIT
    or ROLLBACK, or when the connection closes; the kernel releases it if the process dies, so a
    killed writer never blocks the others. A busy lock is waited for in the kernel (woken the
    moment it is released, no polling), bounded by the busy timeout — by SIGALRM in the main
    thread (where kernels and commands write), on a helper thread elsewhere; after the timeout
    the writer goes on to `BEGIN IMMEDIATE` and SQLite decides."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        file = name.removeprefix("file:").split("?", 1)[0] if kwargs.get("uri") else name
        self._lock_path = None if file in ("", ":memory:") else f"{file}-writers.lock"
        self._lock_fd: int | None = None  # this connection's descriptor of the lock file
        self._held_fd: int | None = None  # the descriptor holding the lock, while queued

    def _open_lock(self) -> int | None:
        if self._lock_path is None:
            return None
        try:
            return os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:  # e.g. a read-only folder: SQLite's own locking still holds
            log.warning("no writer queue (%s): %s", self._lock_path, exc.strerror)
            self._lock_path = None
            return None

    def queue_for_write(self, timeout: float = BUSY_TIMEOUT_S) -> None:
        """Return once this connection holds the writer lock (or after `timeout` without it)."""
        if self._held_fd is not None:
            return
        if self._lock_fd is None:
            self._lock_fd = self._open_lock()
            if self._lock_fd is None:
                return
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._held_fd = self._lock_fd
            return
        except BlockingIOError:
            pass
        if _can_time_flock():
            if _timed_flock(self._lock_fd, timeout):
                self._held_fd = self._lock_fd
        else:
            self._held_fd = _wait_for_lock(self._lock_path, timeout)

    def leave_queue(self) -> None:
        fd, self._held_fd = self._held_fd, None
        if fd is None:
            return
        if fd == self._lock_fd:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:
            os.close(fd)  # a waiter's own descriptor: closing it releases the lock

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


class _QueueTimeout(Exception):
    pass


def _can_time_flock() -> bool:
    """A blocking flock can be bounded with SIGALRM: main thread, and nobody else's alarm."""
    return (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))


def _timed_flock(fd: int, timeout: float) -> bool:
    """Wait in the kernel for the exclusive lock on `fd` (woken the moment it is free); False
    after `timeout`. Main thread only: the alarm interrupts the wait."""
    armed = True

    def alarm(signum: int, frame: Any) -> None:
        if armed:
            raise _QueueTimeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        got = True
    except _QueueTimeout:  # the alarm came during the wait, or just after it succeeded
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a no-op if already held
            got = True
        except BlockingIOError:
            got = False
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if not got:
        log.warning("writer queue busy for %s s; going on to SQLite's own locking", timeout)
    return got


def _wait_for_lock(path: str | None, timeout: float) -> int | None:
    """A new descriptor holding the exclusive lock on `path`, or None after `timeout` (for a
    thread other than the main one: the wait runs on a helper thread so it can be abandoned)."""
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    got, guard, state = threading.Event(), threading.Lock(), {"abandoned": False}

    def wait() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks in the kernel until the lock is free
        with guard:
            if state["abandoned"]:
                os.close(fd)  # nobody is waiting any more: release at once
            else:
                got.set()

    threading.Thread(target=wait, name="rso-writer-queue", daemon=True).start()
    got.wait(timeout)
    with guard:
        if got.is_set():
            return fd
        state["abandoned"] = True
    log.warning("writer queue %s busy for %s s; going on to SQLite's own locking", path, timeout)
    return None
