"""The room page's drafts in two windows of one trainee, in a real browser (room.js): one window
typing steadily autosaves without ever conflicting with itself; the other, opened before those
saves, is refused on its next autosave — the message shown at the top and in the status line
(aria-live), its typed values kept, autosaving stopped — and axe-core finds no violation. A
Continue pressed while an autosave is on its way waits for its answer (no self-conflict)."""

from __future__ import annotations

import re

import pytest
from browser_support import new_user_page, private_server, workshop_seed
from playwright.sync_api import expect
from test_first_time_users import Journey

pytestmark = pytest.mark.browser

JOIN_CODE = "DGT4KQ"
USER = "room.twotabs"
CLOCK = r"(\d{1,2}(:\d\d)?[ap]m|midday|midnight)"  # UK time, as timefmt.clock_text writes it
CHANGED = re.compile(r"These answers were changed in another window or device at " + CLOCK)
SAVED = re.compile(r"Draft saved at " + CLOCK)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with private_server(tmp_path_factory, "room-two-windows", USER,
                        seed=workshop_seed("trainer.tabs", "Two windows", JOIN_CODE),
                        preheat=False) as served:
        yield served


def open_case(page, url: str) -> None:
    page.goto(url + "room/", wait_until="domcontentloaded")
    page.get_by_label("Join code").fill(JOIN_CODE)
    page.get_by_label("Your display name").fill("Two Windows")
    page.get_by_role("button", name="Join the workshop").click()
    page.get_by_role("link", name=re.compile(r"^TC-02:")).click()
    expect(page.get_by_role("heading", level=2, name="Score this case")).to_be_visible()


def test_a_stale_window_is_told_and_keeps_its_answers(page, chromium, server):
    with new_user_page(chromium) as other:  # a second window: its own cookies
        open_case(page, server.url)
        open_case(other, server.url)
        status = page.locator("[data-rso-draft-status]")
        revision = page.locator("[data-rso-revision]")
        first = revision.input_value()
        for n in ("1", "2", "3"):  # one window typing steadily
            page.get_by_label("Sexual appearances", exact=True).fill(n)
            expect(revision).not_to_have_value(first, timeout=15_000)
            expect(status).to_have_text(SAVED)
            first = revision.input_value()
        expect(page.locator("[data-rso-conflict]")).to_be_hidden()
        # the other window, opened before those saves, types: refused, told, values kept
        other.get_by_label("Criminal appearances", exact=True).fill("7")
        banner = other.locator("[data-rso-conflict]")
        expect(banner).to_be_visible(timeout=15_000)
        expect(banner).to_be_focused()  # in view: typing on would save nothing
        expect(banner).to_contain_text("Your changes have not been saved")
        expect(banner).to_contain_text(CHANGED)
        expect(other.locator("[data-rso-draft-status]")).to_have_text(CHANGED)
        expect(other.get_by_label("Criminal appearances", exact=True)).to_have_value("7")
        Journey(other, "room-conflict", {}).check("conflict")
        # autosaving stopped: a further change sends nothing
        sent: list[str] = []
        other.on("request", lambda r: sent.append(r.url) if r.url.endswith("/draft") else None)
        other.get_by_label("Violent appearances", exact=True).fill("0")
        other.wait_for_timeout(2500)
        assert sent == []
        # the first window's answers are intact and it carries on
        page.get_by_role("button", name="Continue to check your answers").last.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(
            "TC-02|Check your answers"))
        expect(page.get_by_text("Your changes have not been saved")).to_be_hidden()


def test_continue_pressed_during_an_autosave_is_not_a_conflict_with_itself(page, server):
    """The autosave has reached the server (a new revision) but not yet answered when Continue
    is pressed: room.js holds the Continue until the answer (and its revision) is in."""
    open_case(page, server.url)
    held: list = []

    def hold(route) -> None:  # sent to the server now, its answer kept back
        held.append((route, route.fetch()))

    page.route(re.compile(r".*/draft$"), hold)
    page.get_by_label("Sexual appearances", exact=True).fill("2")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the autosave was sent"
    page.get_by_role("button", name="Continue to check your answers").last.click()
    page.wait_for_timeout(300)
    route, response = held.pop()
    route.fulfill(response=response)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^TC-02"))
    expect(page.locator("[data-rso-conflict]")).to_be_hidden()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")  # checked, saved
    expect(page.get_by_label("Sexual appearances", exact=True)).to_have_value("2")
