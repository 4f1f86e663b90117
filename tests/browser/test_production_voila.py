"""Voilà with the shipped production settings (rso_widgets/serving/voila.json), through
`rso-workbook serve`: an app that fails shows its friendly message, never a traceback or the
notebook's source; an error Voilà itself catches shows no detail; URL template/theme overrides
are ignored; the entry notebooks are served from preheated kernels."""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import ROOT, assert_no_traceback, running, write_notebook

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

SECRET = "detail-that-must-stay-on-the-server"
SOURCE_TEXT = ("from rso_widgets.apps", "rm2000_calculator()", "workshop()", SECRET)
LEAK_TEXT = ("Traceback", 'File "', "RulesetError", "Error in callback", *SOURCE_TEXT)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    """The shipped settings, with RSO_RM2000_RULESET pointing at a file that is not YAML."""
    base = tmp_path_factory.mktemp("production")
    folder = base / "workbooks"
    folder.mkdir()
    for name in ("rm2000_calculator.ipynb", "workshop.ipynb"):  # the preheated entry pages
        shutil.copy(ROOT / "workbooks" / name, folder)
    write_notebook(folder / "raises.ipynb", f"raise ValueError({SECRET!r})")
    data = base / "data"
    (data / "rulesets").mkdir(parents=True)
    ruleset = data / "rulesets" / "rm2000-broken.yaml"  # inside the data folder: allowed
    ruleset.write_text("id: rm2000\nprovenance: [unclosed\n", encoding="utf-8")
    server = ServedWorkbooks(directory=folder, log_path=base / "voila.log",
                             env={"RSO_DATA_DIR": str(data), "RSO_USER": "prod-test",
                                  "RSO_RM2000_RULESET": str(ruleset)})
    with running(server, pools=True) as started:
        yield started


def _open(chromium, url: str):
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url, wait_until="commit")
    return context, page


def _assert_no_leak(page) -> None:
    assert_no_traceback(page)
    html = page.content()  # the DOM, widget views included
    found = [t for t in LEAK_TEXT if t in html]
    assert not found, f"the page's HTML contains {found}"


@pytest.mark.parametrize(("notebook", "what"), [
    ("rm2000_calculator.ipynb", "The RM2000 calculator"),
    ("workshop.ipynb", "The workshop page"),
])
def test_a_broken_ruleset_shows_the_apps_friendly_message(chromium, broken, notebook, what):
    """Loaded twice: the first page comes from a preheated kernel, the next usually from a
    kernel started for it (the pool refills after a second)."""
    for _ in range(2):
        context, page = _open(chromium, f"{broken.url}voila/render/{notebook}")
        try:
            alert = page.locator(".rso-could-not-start")
            alert.wait_for(state="visible")
            text = alert.inner_text()
            assert f"{what} could not start." in text
            assert "rm2000-broken.yaml" in text and "not valid YAML" in text  # the problem
            assert "RSO_RM2000_RULESET" in text  # and the fix
            assert alert.get_attribute("role") == "alert"
            _assert_no_leak(page)
        finally:
            context.close()
    log = Path(broken.log_path).read_text(encoding="utf-8", errors="replace")
    assert "Using pre-heated kernel: " in log and f"for {notebook}" in log
    # the details went to the server log instead
    assert f"{what} could not start" in log and "RulesetError" in log and "Traceback" in log


def test_an_error_voila_catches_shows_no_detail(chromium, broken):
    """A cell that raises: show_tracebacks=False leaves only Voilà's generic line."""
    context, page = _open(chromium, f"{broken.url}voila/render/raises.ipynb")
    try:
        page.get_by_text("This page could not be shown. Tell the workbook team").first.wait_for(
            state="visible")
        _assert_no_leak(page)
        assert "ValueError" not in page.content()
    finally:
        context.close()


def _html(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read().decode()


def test_template_and_theme_overrides_in_the_url_are_ignored(broken):
    base = f"{broken.url}voila/render/rm2000_calculator.ipynb"
    for query in ("?template=reveal", "?voila-template=reveal", "?template=reveal&theme=dark",
                  "?theme=dark"):
        page = _html(base + query)
        assert "reveal" not in page.lower(), query  # still the lab template
        assert re.search(r'"jupyterLabTheme":\s*"light"', page), query
        assert "theme-dark" not in page, query
        assert "application/vnd.jupyter.widget-view+json" in page, query
        assert not [t for t in SOURCE_TEXT if t in page], query
