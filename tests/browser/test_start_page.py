"""The service's start page and page template in a real browser, through `rso-workbook serve`:
the root is the start page listing every app by who it is for; Voilà's file list is not
reachable; every app page has the service header, a skip link and its content in `<main>` (axe
finds no `region` violation); and no page asks any host but its own for anything."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from browser_support import assert_accessible, assert_no_traceback, private_server
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks
from rso_widgets.serving.start_page import APPS, AUDIENCES

pytestmark = pytest.mark.browser

READY = 90_000
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# the button each app shows once its first view is ready
FIRST_BUTTON = {
    "rm2000_calculator.ipynb": "Score",
    "rm2000_practice.ipynb": "Open this case",
    "arms_practice.ipynb": "Open the case",
    "arms_assessment.ipynb": "Person record",  # the first task of its task list
    "live_assessment.ipynb": "Person record",
    "trainer_dashboard.ipynb": "Create the workshop",
    "workshop.ipynb": "Join the workshop",
    "supervision.ipynb": "Start a new session",
    "team_quality.ipynb": "Create the team",  # this user leads no team yet
    "values_reflection.ipynb": "Change and desistance",  # the task list's first section
    "case_editor.ipynb": "Start",
    "calibration_record.ipynb": "Draw a re-test pack",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "start", "start.page") as srv:
        yield srv


def record_hosts(page) -> list[str]:
    """Every URL the page requests, from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def assert_only_own_host(urls: list[str]) -> None:
    foreign = sorted({u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                      and urlsplit(u).hostname not in LOOPBACK})
    assert not foreign, f"requests to other hosts: {foreign}"
    assert urls, "no request was recorded"


def test_every_app_page_is_listed(server):
    assert {app.notebook for app in APPS if not app.page} == set(FIRST_BUTTON)


def test_the_root_is_the_start_page_with_every_app(page, server):
    urls = record_hosts(page)
    page.goto(server.url)
    expect(page).to_have_title("RSO Workbook")
    expect(page.get_by_role("heading", level=1)).to_have_text("RSO Workbook")
    for audience in AUDIENCES:
        expect(page.get_by_role("heading", level=2, name=audience)).to_be_visible()
    main = page.get_by_role("main")
    for app in APPS:
        link = main.get_by_role("link", name=app.title, exact=True)
        expect(link).to_have_attribute("href", f"/{app.page}" if app.page
                                       else f"/voila/render/{app.notebook}")
        expect(main.get_by_text(app.purpose)).to_be_visible()
    expect(main).to_contain_text("informs your professional judgement")
    expect(main).to_contain_text("All training cases are fictional.")
    assert_only_own_host(urls)
    assert_accessible(page)
    assert [v["id"] for v in assert_accessible(page, fail_on=("minor", "moderate", "serious",
                                                              "critical"))] == []
    main.get_by_role("link", name="RM2000 calculator", exact=True).click()
    page.get_by_role("button", name="Score", exact=True).wait_for(timeout=READY)
    page.get_by_role("banner").get_by_role("link", name="RSO Workbook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("RSO Workbook")
    assert_only_own_host(urls)


@pytest.mark.parametrize("path", ["voila/tree", "voila/tree/", "voila/tree/workbooks",
                                  "voila/api/contents", "voila/api/contents/"])
def test_no_file_list_is_served(server, path):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server.url + path, timeout=10)
    assert refused.value.code == 404
    body = refused.value.read().decode("utf-8")
    assert ".ipynb" not in body and "Page not found" in body


@pytest.mark.parametrize("notebook", list(FIRST_BUTTON))
def test_every_app_page_has_the_header_a_skip_link_and_main(page, server, notebook):
    urls = record_hosts(page)
    page.goto(f"{server.url}voila/render/{notebook}", wait_until="commit")
    ready = page.get_by_role("button", name=FIRST_BUTTON[notebook], exact=True)
    ready.wait_for(state="visible", timeout=READY)
    # the workshop's quick join form (plain HTML) shows first: wait for the widgets' own
    page.locator("body:not(.rso-quick-active)").wait_for(state="attached", timeout=READY)
    assert_no_traceback(page)
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="RSO Workbook")).to_have_attribute("href", "/")
    main = page.get_by_role("main")
    expect(main).to_have_count(1)
    expect(main.get_by_role("button", name=FIRST_BUTTON[notebook], exact=True)).to_be_visible()
    assert page.evaluate("document.querySelector('main').contains("
                         "document.querySelector('.jupyter-widgets'))")

    page.locator("body").focus()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(main).to_be_focused()

    found = assert_accessible(page)
    assert "region" not in {v["id"] for v in found}, "content outside a landmark"
    if notebook in ("rm2000_calculator.ipynb", "workshop.ipynb"):
        assert_only_own_host(urls)
