"""The shipped Voilà kernel manager and the apps' start-up guard (no server, no browser)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from types import SimpleNamespace

import ipywidgets as w
import pytest

from rso_widgets.apps import startup
from rso_widgets.instruments.datafile import RulesetError
from rso_widgets.serving import kernels
from rso_widgets.serving.kernels import WorkbookKernelManager


def _manager_with_idle_kernel(monkeypatch, idle_for: float):
    km = WorkbookKernelManager(cull_idle_timeout=10, cull_connected=True)
    last = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=idle_for)
    km._kernels["k1"] = SimpleNamespace(execution_state="idle", last_activity=last,
                                        kernel_name="python3",
                                        kernel_spec=SimpleNamespace(metadata={}))
    km._kernel_connections["k1"] = 0
    culled: list[str] = []

    async def fake_shutdown(_self, kernel_id, *a, **k):
        culled.append(kernel_id)

    # the base class's shutdown; ours (which clears its bookkeeping) still runs first
    monkeypatch.setattr(kernels.AsyncMappingKernelManager, "shutdown_kernel", fake_shutdown)
    return km, culled


def test_a_kernel_handed_out_from_the_pool_is_not_culled_before_the_page_connects(monkeypatch):
    """A preheated kernel idle for an hour in the pool, taken by a page: not culled at once,
    nor as its page connects (that is activity), but like any kernel after that."""
    km, culled = _manager_with_idle_kernel(monkeypatch, idle_for=3600)
    asyncio.run(km.cull_kernel_if_idle("k1"))
    assert culled == []
    km.notify_connect("k1")  # the page connected, before its first message or heartbeat
    asyncio.run(km.cull_kernel_if_idle("k1"))
    assert culled == []  # was culled here: "this page stopped" as the page opened
    km._kernels["k1"].last_activity -= dt.timedelta(seconds=11)  # then idle for the timeout
    asyncio.run(km.cull_kernel_if_idle("k1"))
    assert culled == ["k1"]


def test_a_never_connected_kernel_is_freed_after_its_grace(monkeypatch):
    km, culled = _manager_with_idle_kernel(monkeypatch, idle_for=3600)
    asyncio.run(km.cull_kernel_if_idle("k1"))  # grace starts now
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=11)
    monkeypatch.setattr(kernels, "_now", lambda: later)
    asyncio.run(km.cull_kernel_if_idle("k1"))
    assert culled == ["k1"]


def test_a_busy_or_recent_kernel_is_not_culled_after_connecting(monkeypatch):
    km, culled = _manager_with_idle_kernel(monkeypatch, idle_for=2)
    km.notify_connect("k1")
    asyncio.run(km.cull_kernel_if_idle("k1"))
    assert culled == []


@pytest.mark.parametrize(("exc", "fix"), [
    (RulesetError("/x/rm2000.yaml: not valid YAML"), "RSO_RM2000_RULESET"),
    (PermissionError(13, "Permission denied", "/data"), "RSO_DATA_DIR"),
    (RuntimeError("something else"), "server log"),
])
def test_could_not_start_names_the_problem_and_the_fix(exc, fix, caplog):
    with caplog.at_level(logging.ERROR, logger="rso_widgets"):
        page = startup.could_not_start("The test page", exc)
    assert isinstance(page, w.HTML)
    assert "The test page could not start." in page.value
    assert fix in page.value
    assert "Traceback" not in page.value
    assert any(r.exc_info and r.exc_info[1] is exc for r in caplog.records)  # logged, with it


def test_could_not_start_escapes_the_message():
    page = startup.could_not_start("The <b>page</b>", RuntimeError("<script>x</script>" * 100))
    assert "<script>" not in page.value and "&lt;script&gt;" in page.value
    assert "<b>page</b>" not in page.value
    assert len(page.value) < 2000  # the detail is shortened


def test_a_database_error_points_at_the_database_settings():
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("SELECT 1", {}, Exception("unable to open database file"))
    assert "RSO_DATABASE_URL" in startup.fix_for(exc)


def test_guarded_returns_the_page_or_the_message():
    assert startup.guarded("P", lambda: w.Label("ok")).value == "ok"
    page = startup.guarded("P", lambda: 1 / 0)
    assert "P could not start." in page.value


def test_in_a_voila_kernel_logs_go_to_the_server_not_the_page(monkeypatch):
    pkg = logging.getLogger("rso_widgets")
    saved = (list(pkg.handlers), pkg.propagate, pkg.level)
    try:
        monkeypatch.delenv("VOILA_SERVER_URL", raising=False)
        assert startup.route_logs_to_server() is False
        monkeypatch.setenv("VOILA_SERVER_URL", "/")
        assert startup.route_logs_to_server() is True
        assert startup.route_logs_to_server() is True  # idempotent: one handler
        ours = [h for h in pkg.handlers if getattr(h, "rso_server_log", False)]
        assert len(ours) == 1 and ours[0].stream is sys.__stderr__
        assert pkg.propagate is False
    finally:
        pkg.handlers[:] = saved[0]
        pkg.propagate, pkg.level = saved[1], saved[2]
