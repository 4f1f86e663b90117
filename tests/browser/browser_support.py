"""Shared by the browser tests: a private `rso-workbook serve` per module (its own temporary data
directory and user), a first-time user's browser page and numbered screenshots of a journey, the
check that a page shows no Python traceback, and axe-core (the npm package that
`scripts/setup.sh test` installs) injected into a page to check accessibility."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rso_widgets.commands.serve import ServedWorkbooks

ROOT = Path(__file__).resolve().parents[2]
# screenshots and summaries the tests write (git-ignored); RSO_TEST_ARTIFACTS moves them
ARTIFACTS = Path(os.environ.get("RSO_TEST_ARTIFACTS", ROOT / "test-artifacts"))
# the page wider than the window, or a visible element past its right edge that no box
# scrolling or clipping on its own holds (a wide table scrolls in its `.rso-scroll-x` region)
OVERFLOW = """() => {
  const W = document.documentElement.clientWidth, bad = [];
  const held = e => { for (let a = e.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o !== 'visible' && a.getBoundingClientRect().right <= W + 1) return true; }
    return false; };
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') continue;
    // past the right edge, or cut by the left one (wholly off to the left is a hidden
    // skip link until it is focused: it makes nothing scroll)
    if ((r.right > W + 1 || (r.left < -1 && r.right > 0)) && !held(e))
      bad.push(e.tagName.toLowerCase() + '.' + String(e.className).slice(0, 50) + ' right=' +
               Math.round(r.right));
  }
  return {scroll: document.scrollingElement.scrollWidth, width: W, bad: bad.slice(0, 8)};
}"""
VIEWPORT = {"width": 1200, "height": 900}
TRACEBACK_TEXT = ("Traceback", 'File "', "Error in callback")
AXE_JS = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
AXE_FAILING = ("serious", "critical")  # moderate/minor are reported, not failed on
AXE_ANY = ("minor", "moderate", "serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def user_page(chromium, width: int = VIEWPORT["width"], height: int = VIEWPORT["height"],
              timeout: float = 30_000):
    """A first-time user's browser tab: a fresh context (no cookies or storage) `width`×`height`
    CSS px, en-GB, actions timing out after `timeout` ms. Close it with `page.context.close()`
    (or use `new_user_page`)."""
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(timeout)
    except BaseException:
        context.close()
        raise
    return page


@contextmanager
def new_user_page(chromium, width: int = VIEWPORT["width"], height: int = VIEWPORT["height"],
                  timeout: float = 30_000) -> Iterator[object]:
    """`user_page` as a context manager: the tab's context is closed afterwards."""
    page = user_page(chromium, width, height, timeout)
    try:
        yield page
    finally:
        page.context.close()


class Screenshots:
    """Numbered screenshots of one journey (`01-first-view.png`, `02-…`) in `folder`, which is
    emptied first; `full_page` takes the whole scrolled page, not just the viewport."""

    def __init__(self, page, folder: Path, full_page: bool = False) -> None:
        self.page, self.folder, self.full_page, self.n = page, folder, full_page, 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def __call__(self, step: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=self.full_page)
        return path


def assert_no_traceback(page) -> None:
    text = page.locator("body").inner_text()
    found = [t for t in TRACEBACK_TEXT if t in text]
    assert not found, f"the page shows traceback text {found}"


def axe_violations(page, context: str | dict | None = None,
                   disable: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core in `page` over `context` (a selector or axe context object; the whole
    page if None) and return its violations (rule, impact, help, nodes). `disable`: rule ids
    to skip; each caller must say why."""
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run scripts/setup.sh test")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS},
               "rules": {rule: {"enabled": False} for rule in disable}}
    return page.evaluate(
        """([context, options]) => axe.run(context || document, options).then(r =>
             r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     targets: v.nodes.map(n => n.target.join(' ')),
                                     html: v.nodes.map(n => n.html.slice(0, 160))})))""",
        [context, options])


def describe_violations(violations: list[dict], limit: int = 4) -> str:
    """One line per rule (impact, id, help, count) with its first few target selectors."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['targets'])} element(s))")
        lines += [f"    {target}  {html}" for target, html
                  in list(zip(v["targets"], v["html"], strict=True))[:limit]]
    return "\n".join(lines)


def assert_accessible(page, context: str | dict | None = None,
                      disable: tuple[str, ...] = (),
                      fail_on: tuple[str, ...] = AXE_FAILING) -> list[dict]:
    """Fail on any axe-core violation whose impact is in `fail_on` (serious or critical unless
    told otherwise; `AXE_ANY` for all). The message lists every violation, the ones that did not
    fail too; returns the violations that did not fail the test."""
    found = axe_violations(page, context, disable)
    failing = [v for v in found if v["impact"] in fail_on]
    assert not failing, (f"axe-core found {len(failing)} accessibility violation(s) of impact "
                         f"{'/'.join(fail_on)} on {page.url}:\n{describe_violations(found)}")
    return found


def write_notebook(path: Path, source: str) -> None:
    """A one-cell notebook at `path` running `source` (a test's own page to serve)."""
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {},
                   "outputs": [], "source": source}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")


def assert_fits_320(page, height: int = 900) -> None:
    """At 320 CSS px (400 % zoom of 1280) nothing needs horizontal scrolling; the page is back
    at 1200 px wide after."""
    page.set_viewport_size({"width": 320, "height": height})
    page.wait_for_timeout(500)
    found = page.evaluate(OVERFLOW)
    page.set_viewport_size({"width": 1200, "height": height})
    assert found["scroll"] <= found["width"] + 1 and not found["bad"], found


VOILA_MAIN = "**/voila/static/voila.js*"


class VoilaScriptHold:
    """Voilà's main script held back on `page` (a Playwright route) until `release()`: the page
    as a room opening it at once meets it, its own HTML shown, its widgets not yet."""

    def __init__(self, page) -> None:
        self.page, self.held = page, []
        page.route(VOILA_MAIN, lambda route: self.held.append(route))

    def release(self) -> None:
        while not self.held:  # the request reaches the route once the body is parsed that far
            self.page.wait_for_timeout(100)
        for route in self.held:
            route.continue_()
        self.held.clear()
        self.page.unroute(VOILA_MAIN)


def workshop_seed(user: str, name: str, join_code: str) -> Callable[[Path], None]:
    """A `private_server` seed: a fresh data folder with one workshop on TC-02 that `user`
    runs, joined with `join_code`."""
    def seed(data: Path) -> None:
        from identities import open_as

        from rso_widgets.store.db import DB_FILENAME

        data.mkdir(parents=True)
        with open_as(f"sqlite:///{data / DB_FILENAME}", user=user) as store:
            store.create_cohort(name, ["TC-02"], join_code=join_code)

    return seed


@contextmanager
def private_server(tmp_path_factory: pytest.TempPathFactory, name: str, user: str,
                   seed: Callable[[Path], object] | None = None,
                   preheat: bool | None = None) -> Iterator[ServedWorkbooks]:
    """Serve workbooks/ with a fresh data directory (seeded first if asked) as `user`;
    `preheat` False turns preheated kernels off (None: as voila.json says)."""
    base = tmp_path_factory.mktemp(name)
    if seed is not None:
        seed(base / "data")
    server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=base / "voila.log",
                             env={"RSO_DATA_DIR": str(base / "data"), "RSO_USER": user},
                             preheat=preheat)
    with running(server) as started:
        yield started


@contextmanager
def running(server: ServedWorkbooks, pools: bool = False) -> Iterator[ServedWorkbooks]:
    """Start `server` (and wait for its preheated pools if asked), fail the test plainly if it
    does not come up, and always stop it — in the background (`stop_later`): call
    `server.stop()` yourself first if you read what it leaves behind."""
    try:
        server.start(timeout=90)
        if pools:
            server.wait_for_pools(timeout=180)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"could not start rso-workbook serve: {exc}")
    try:
        yield server
    finally:
        stop_later(server)


_stopping: list[threading.Thread] = []


def stop_later(server: ServedWorkbooks) -> None:
    """Stop `server` (Voilà, then its kernels) in a thread, so that the next module's tests do
    not wait for it; `wait_for_stopped_servers` (end of session, conftest.py) joins them."""
    thread = threading.Thread(target=server.stop, name=f"stop {server.url}")
    thread.start()
    _stopping.append(thread)


def wait_for_stopped_servers(timeout: float = 60) -> None:
    """Wait until every server handed to `stop_later` has stopped."""
    while _stopping:
        _stopping.pop().join(timeout)


def fill_counts_case(page) -> None:
    """Answer the RM2000 form on `page` for a case scored from counts (aged 40, commenced at
    30; 2 sexual, 5 criminal, 1 violent appearances; burglary; a male and a stranger victim)."""
    page.get_by_label("Sex", exact=True).select_option("Male")
    page.get_by_label("Sexual offence committed aged 17 or over").select_option("Yes")
    page.get_by_label("Age at assessment").fill("40")
    page.get_by_label("Age at commencement of risk").fill("30")
    page.get_by_label("Sexual appearances").fill("2")
    page.get_by_label("Criminal appearances").fill("5")
    page.get_by_label("Violent appearances").fill("1")
    page.get_by_label("Any conviction for burglary").select_option("Yes")
    for factor, answer in (("Sexual offence against a male", "Yes"),
                           ("Sexual offence against a stranger", "Yes"),
                           ("Non-contact sexual offence", "No"), ("Single", "No")):
        page.get_by_label(factor, exact=True).select_option(answer)


@contextmanager
def merged_summary(folder: Path) -> Iterator[dict]:
    """A dict a test module fills, merged into `folder`/summary.json at the end."""
    found: dict = {}
    yield found
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "summary.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    path.write_text(json.dumps({**old, **found}, indent=2) + "\n")
