"""Browser-test fixtures: one live `rso-workbook serve`, one headless Debian chromium per session.

Playwright's own browser download does not work here (and is not needed): the system chromium at
/usr/bin/chromium is used; `scripts/setup.sh test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import new_user_page, wait_for_stopped_servers

from rso_widgets.commands.serve import ServedWorkbooks

CHROMIUM = Path(os.environ.get("RSO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
EXPECT_TIMEOUT = 15_000  # ms


@pytest.fixture(scope="session", autouse=True)
def _servers_stopped_at_the_end() -> Iterator[None]:
    """Module servers stop in the background (`browser_support.running`): wait for them all
    before the session ends."""
    yield
    wait_for_stopped_servers()


@pytest.fixture(scope="session")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=log)
    try:
        server.start(timeout=90)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"could not start rso-workbook serve: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium "
                    "(scripts/setup.sh test does this)")
    from playwright.sync_api import expect, sync_playwright

    # expect() waits up to 15 s, not Playwright's 5 s: widget round trips through a kernel can
    # take longer than 5 s on a busy 2-core machine (the other tests run at the same time)
    expect.set_options(timeout=EXPECT_TIMEOUT)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(chromium):
    """A fresh browser tab (1200×900, en-GB, 30 s action timeout), closed after the test."""
    with new_user_page(chromium) as pg:
        yield pg


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed browser test's report carries the tail of its server's log (Voilà, the kernels'
    errors): the server's temporary folder is gone by the time anyone reads CI's output, and a
    page that never showed its widgets says why only there."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name, value in getattr(item, "funcargs", {}).items():
        tail = getattr(value, "log_tail", None)
        if callable(tail):
            try:
                text = tail(80)
            except Exception as exc:  # the report must not fail because the log is unreadable
                text = f"(the log could not be read: {exc})"
            report.sections.append((f"server log tail ({name})", text or "(empty)"))


_RERUNS: list[pytest.TestReport] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep each failure that pytest-rerunfailures tried again (scripts/test.sh reruns a timed
    out page wait once): the rerun hides it otherwise, and it is what says why a page was slow."""
    if report.outcome == "rerun":
        _RERUNS.append(report)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print every failure that was tried again, with its server log tail, at the end."""
    if not _RERUNS:
        return
    terminalreporter.section("browser tests tried again (the first attempt's failure)")
    for report in _RERUNS:
        terminalreporter.write_sep("-", report.nodeid)
        terminalreporter.write_line(str(report.longrepr)[-3000:])
        for title, text in report.sections:
            if title.startswith("server log tail"):
                terminalreporter.write_sep("-", title)
                terminalreporter.write_line(text)
