"""SQLite writers queue on an OS lock beside the database (issue 12, autosave tail): the lock is
held from BEGIN IMMEDIATE to COMMIT/ROLLBACK, never outlives a killed writer, never waits past
the busy timeout, and concurrent autosaves lose nothing."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from identities import open_as
from sqlalchemy import text

from rso_widgets.store import db


def lock_path(store) -> Path:
    return Path(f"{store.sqlite_path}-writers.lock")


def is_locked(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the probe's own lock, if it got one
    return False


@pytest.fixture
def store(tmp_path):
    with open_as(f"sqlite:///{tmp_path / 'w.sqlite'}", user="alice") as s:
        s.save_draft("k", {"n": 0})
        yield s


def test_lock_is_held_only_inside_a_write_transaction(store):
    path = lock_path(store)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not is_locked(path)
    with store._writer() as s, s.begin():
        s.execute(text("SELECT 1"))
        assert is_locked(path)
    assert not is_locked(path)  # released after COMMIT
    with pytest.raises(RuntimeError), store._writer() as s, s.begin():
        s.execute(text("SELECT 1"))
        raise RuntimeError("the transaction fails")
    assert not is_locked(path)  # released after ROLLBACK
    with store._reader() as s, s.begin():
        s.execute(text("SELECT 1"))
        assert not is_locked(path)  # readers never queue


HOLDER = textwrap.dedent("""
    import os, sys, time
    from sqlalchemy import text
    from rso_widgets.store import open_store
    os.environ["JUPYTERHUB_USER"] = "bob"  # signed in as bob, as his server would be
    store = open_store(sys.argv[1], create=False, upgrade=False)
    with store._writer() as s, s.begin():
        s.execute(text("UPDATE drafts SET key = key"))  # holds SQLite's write lock too
        print("holding", flush=True)
        time.sleep(120)
""")


def test_a_writer_killed_mid_transaction_does_not_block_the_others(store):
    url = f"sqlite:///{store.sqlite_path}"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding", proc.stderr.read()
        assert is_locked(lock_path(store))
        proc.kill()
        proc.wait(timeout=30)
        start = time.monotonic()
        store.save_draft("k", {"n": 1})
        assert time.monotonic() - start < 5
        assert store.get_draft("k").data == {"n": 1}
        assert not is_locked(lock_path(store))
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_stuck_holder_delays_a_writer_no_longer_than_the_timeout(store):
    path = lock_path(store)
    holder = os.open(path, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        start = time.monotonic()
        assert db._wait_for_lock(str(path), 0.3) is None
        assert 0.25 < time.monotonic() - start < 5
    finally:
        os.close(holder)  # the abandoned waiter then takes the lock and lets it go at once
    deadline = time.monotonic() + 30  # generous: a loaded CI machine may starve the thread
    while is_locked(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_locked(path)


def test_concurrent_autosaves_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    open_as(url, user="setup").close()
    errors: list[BaseException] = []
    # opened before the threads start: the identity comes from the (process-wide) environment
    stores = [open_as(url, user=f"writer-{w}", create=False) for w in range(6)]

    def writer(w: int) -> None:
        try:
            with stores[w] as s:
                for n in range(15):
                    s.save_draft("form", {"w": w, "n": n})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    for w in range(6):
        with open_as(url, user=f"writer-{w}", create=False) as s:
            assert s.get_draft("form").data == {"w": w, "n": 14}


def test_the_main_thread_waits_in_the_kernel_and_gives_up_at_the_timeout(store):
    import signal

    runner = signal.signal(signal.SIGALRM, signal.SIG_DFL)  # pytest-timeout's alarm, paused
    left = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        assert db._can_time_flock()
        _timed_waits(store)
    finally:
        signal.signal(signal.SIGALRM, runner)
        if left[0]:
            signal.setitimer(signal.ITIMER_REAL, *left)


def _timed_waits(store) -> None:
    import signal

    path = lock_path(store)
    holder, waiter = os.open(path, os.O_RDWR), os.open(path, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        start = time.monotonic()
        assert db._timed_flock(waiter, 0.3) is False
        assert 0.25 < time.monotonic() - start < 5
        assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        threading.Timer(0.2, os.close, args=(holder,)).start()  # the holder lets go
        start = time.monotonic()
        assert db._timed_flock(waiter, 10) is True
        assert time.monotonic() - start < 5
        assert is_locked(path)
    finally:
        os.close(waiter)
    assert not is_locked(path)
