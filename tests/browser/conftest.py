"""Browser-test fixtures: one live `rso-workbook serve`, one headless Debian chromium per session.

Playwright's own browser download does not work here (and is not needed): the system chromium at
/usr/bin/chromium is used; `scripts/setup.sh test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rso_widgets.commands.serve import ServedWorkbooks

CHROMIUM = Path(os.environ.get("RSO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]


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
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()

