"""A page slow to draw says so in plain words, then offers a reload (the `rso` template's
slow_page.html and static/rso_slow.js), and goes quiet as soon as the page has drawn.

Voilà's main script is held back (a Playwright route, as in test_quick_join_browser.py) to
stand for a page that is slow to draw; the thresholds (15 s and 90 s on a real page) are
shortened through the template's hook, window.rsoSlowPageSeconds, set before the page loads."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from browser_support import (
    AXE_ANY,
    VoilaScriptHold,
    assert_accessible,
    assert_no_traceback,
    private_server,
    workshop_seed,
)
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

JOIN_CODE = "SQW42K"
READY = 90_000  # a Voilà page under load
CALCULATOR = "voila/render/rm2000_calculator.ipynb"
WAIT = "This page is taking longer than usual to open."
PLEASE_WAIT = "This can happen when many people open it at the same time. Please wait."
RELOAD = "If nothing has changed, reload the page. Anything you saved is kept."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    seed = workshop_seed("slow.trainer", "Slow page check", JOIN_CODE)
    with private_server(tmp_path_factory, "slow", "slow.trainer", seed=seed) as started:
        yield started


class HeldPage:
    """A tab whose pages wait for `release()` before Voilà's main script arrives; the slow page
    thresholds are `seconds` (None: the page's own)."""

    def __init__(self, chromium, seconds: tuple[float, float] | None) -> None:
        self.ctx = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
        if seconds is not None:
            self.ctx.add_init_script(f"window.rsoSlowPageSeconds = [{seconds[0]}, {seconds[1]}];")
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(30_000)
        self._hold: VoilaScriptHold | None = None

    def hold(self) -> None:
        self._hold = VoilaScriptHold(self.page)

    def forget_held(self) -> None:
        """Drop what was held for a page that is going away (a reload)."""
        assert self._hold is not None, "hold() first"
        self._hold.held.clear()

    def release(self) -> None:
        assert self._hold is not None, "hold() first"
        self._hold.release()


# what the slow page region said, in turn (an init script: the page's whole life)
SEEN = """window.slowSeen = [];
new MutationObserver(() => {
  const region = document.getElementById('rso-slow-message');
  const text = region ? region.textContent.replace(/\\s+/g, ' ').trim() : '';
  if (text && text !== window.slowSeen[window.slowSeen.length - 1]) window.slowSeen.push(text);
}).observe(document, {childList: true, subtree: true});"""


def _message(page):
    return page.get_by_role("status").filter(has_text=WAIT)


def _assert_gone(page) -> None:
    """The message is gone (on the trainee page, with the quick join form's section)."""
    expect(page.locator("#rso-slow-message:not(:empty)")).to_have_count(0)
    expect(page.locator(".rso-slow--shown")).to_have_count(0)
    expect(page.get_by_role("button", name="Reload the page")).to_be_hidden()
    page.wait_for_function("!window.rsoSlowPage.watching")  # its next look (every 0.3 s)
    state = page.evaluate("window.rsoSlowPage")
    assert state["drawnAt"] is not None, state


def test_a_held_page_says_it_is_slow_then_offers_a_reload_that_works(chromium, server):
    tab = HeldPage(chromium, (1, 3.5))
    page = tab.page
    tab.ctx.add_init_script(SEEN)
    tab.hold()
    page.goto(server.url + CALCULATOR, wait_until="commit")

    message = _message(page)
    reload = page.get_by_role("button", name="Reload the page")
    expect(reload).to_be_visible()
    expect(message).to_contain_text(RELOAD)
    expect(message).not_to_contain_text(PLEASE_WAIT)
    seen = page.evaluate("window.slowSeen")  # what the region said, in turn
    assert [RELOAD in text for text in seen] == [False, True][-len(seen):], seen
    assert PLEASE_WAIT in seen[0] or page.evaluate("window.rsoSlowPage.startedAt") > 1000, (
        "the page was there before the first threshold but did not say to wait first")
    shown = message.inner_text()
    for word in ("kernel", "widget", "Kernel", "Widget"):
        assert word not in shown
    assert page.evaluate("document.activeElement === document.body")  # focus was not taken
    assert_accessible(page, "#rso-slow", fail_on=AXE_ANY)
    assert_accessible(page)

    for _ in range(6):  # the button is in the keyboard's way, a few Tabs from the top
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "rso-slow-reload":
            break
    expect(reload).to_be_focused()
    first_page = page.evaluate("performance.timeOrigin")
    tab.forget_held()  # that page's script goes with it: the new page's is held in turn
    with page.expect_navigation(wait_until="commit"):
        page.keyboard.press("Enter")
    assert page.evaluate("performance.timeOrigin") != first_page  # a new load of the page
    expect(message).to_be_visible()  # still held: it says so again

    tab.release()  # the page draws: the message goes
    page.get_by_role("button", name="Score", exact=True).wait_for(state="visible", timeout=READY)
    _assert_gone(page)
    assert_no_traceback(page)
    tab.ctx.close()


def test_a_page_that_draws_never_shows_it(chromium, server):
    tab = HeldPage(chromium, None)  # the page's own thresholds
    page = tab.page
    page.goto(server.url + CALCULATOR, wait_until="commit")
    page.get_by_role("button", name="Score", exact=True).wait_for(state="visible", timeout=READY)
    _assert_gone(page)
    state = page.evaluate("window.rsoSlowPage")
    assert (state["firstSeconds"], state["secondSeconds"]) == (15, 90)  # from the template
    if state["drawnAt"] < state["firstSeconds"] * 1000:  # drawn in time (a busy machine may not)
        assert state["firstAt"] is None and state["secondAt"] is None, state
    assert state["firstAt"] is None or state["firstAt"] < state["drawnAt"], state
    tab.ctx.close()


def test_the_quick_join_form_stays_usable_while_the_message_shows(chromium, server):
    tab = HeldPage(chromium, (0.5, 2))
    page = tab.page
    tab.hold()
    page.goto(server.url + "voila/render/workshop.ipynb", wait_until="commit")
    code = page.get_by_label("Join code")
    code.click()
    code.press_sequentially(JOIN_CODE[:3])
    expect(_message(page)).to_contain_text(PLEASE_WAIT)
    expect(code).to_be_focused()
    code.press_sequentially(JOIN_CODE[3:])
    expect(page.get_by_role("button", name="Reload the page")).to_be_visible()
    expect(code).to_be_focused()  # the message changed; the typing carried on
    expect(code).to_have_value(JOIN_CODE)
    page.keyboard.press("Tab")
    name = page.get_by_label("Your display name")
    expect(name).to_be_focused()
    page.keyboard.type("Slow S")
    for control in (code, name, page.get_by_role("button", name="Join the workshop")):
        assert control.evaluate(  # nothing covers the form
            "e => { const r = e.getBoundingClientRect();"
            " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === e; }")
    assert page.locator("#rso-quick #rso-slow").count() == 1  # after the form, in its section
    assert_accessible(page)
    page.keyboard.press("Enter")  # Join, early: the form says it is joining
    expect(page.locator("#rso-quick-status")).to_contain_text("Joining the workshop")

    tab.release()
    expect(page.get_by_text("Workshop: Slow page check")).to_be_visible(timeout=READY)
    _assert_gone(page)
    assert_no_traceback(page)
    tab.ctx.close()


def _bare_page(chromium, seconds: tuple[float, float], head: str = "", then: str = ""):
    """The slow page markup and script alone (rendered as the template does) in a page of its
    own, no server; `head` and `then`: the page's own scripts, before and after them."""
    import jinja2

    from rso_widgets.serving.start_page import TEMPLATE_DIR

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)
    body = env.from_string(
        "{% include 'slow_page.html' %}<script>{% include 'static/rso_slow.js' %}</script>"
    ).render()
    html = (f'<!DOCTYPE html><html lang="en-GB"><head><title>t</title><script>{head}</script>'
            f'</head><body><main id="rendered_cells"></main>{body}<script>{then}</script>'
            "</body></html>")
    ctx = chromium.new_context(locale="en-GB")
    ctx.add_init_script(f"window.rsoSlowPageSeconds = [{seconds[0]}, {seconds[1]}];")
    page = ctx.new_page()
    page.route("http://slow.test/", lambda route: route.fulfill(body=html,
                                                                content_type="text/html"))
    page.goto("http://slow.test/")  # performance.now() counts from here, as on a real page
    return ctx, page


# the page draws `html` the moment the slow message first shows (in the page's own time, so
# the second threshold has not passed yet however busy the machine is)
DRAW_WHEN_SHOWN = """window.seen = null;
new MutationObserver((_, obs) => {
  const region = document.getElementById('rso-slow-message');
  if (!region || !region.textContent.trim()) return;
  obs.disconnect();
  window.seen = region.textContent;
  document.getElementById('rendered_cells').innerHTML = %s;
}).observe(document.documentElement, {childList: true, subtree: true});"""


@pytest.mark.parametrize("drawn", [
    '<div class="jupyter-widgets">the app</div>',
    '<div role="alert" class="rso-could-not-start">The app could not start.</div>',
    '<pre class="jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr">error</pre>',
    '<div class="rso-notification-banner">This page has stopped working.</div>',
], ids=["widgets", "could-not-start", "voila-error", "page-stopped"])
def test_what_the_page_draws_ends_the_message(chromium, drawn):
    ctx, page = _bare_page(chromium, (0.2, 600), head=DRAW_WHEN_SHOWN % json.dumps(drawn))
    page.wait_for_function("window.seen !== null")
    assert PLEASE_WAIT in " ".join(page.evaluate("window.seen").split())  # it did show
    _assert_gone(page)
    ctx.close()


def test_the_message_does_not_come_back_once_the_page_has_drawn(chromium):
    ctx, page = _bare_page(chromium, (0.2, 1),
                           head=DRAW_WHEN_SHOWN % json.dumps('<div class="jupyter-widgets">'))
    page.wait_for_function("window.seen !== null")
    page.wait_for_function("performance.now() > 1300")  # past the second threshold
    _assert_gone(page)
    state = page.evaluate("window.rsoSlowPage")
    # (on a very busy machine the page may have taken more than 1 s to parse: then the first
    # message it showed was already the second one)
    assert state["secondAt"] is None or state["secondAt"] < state["drawnAt"], state
    ctx.close()


def test_a_page_drawn_before_the_first_threshold_never_shows_it(chromium):
    ctx, page = _bare_page(chromium, (1, 1.3), then=(
        "setTimeout(() => { document.getElementById('rendered_cells').innerHTML ="
        " '<div class=\"jupyter-widgets\">app</div>'; }, 0);"))
    page.wait_for_function("performance.now() > 1600")  # past both thresholds
    _assert_gone(page)
    state = page.evaluate("window.rsoSlowPage")
    if state["drawnAt"] < 1000:  # (a machine busy enough may draw it later than that)
        assert state["firstAt"] is None and state["secondAt"] is None, state
    assert state["firstAt"] is None or state["firstAt"] < state["drawnAt"], state
    ctx.close()


def test_what_the_person_cannot_see_does_not_end_it(chromium):
    # the widgets drawn in the cells still hidden behind the quick join form, or before Voilà
    # shows the cells: the page has not drawn for the person yet
    hidden = ('<div class="rso-hidden-test"><div class="jupyter-widgets">app</div>'
              '<pre data-mime-type="application/vnd.jupyter.stderr">error</pre></div>'
              '<div hidden><div class="rso-could-not-start">could not start</div></div>')
    ctx, page = _bare_page(chromium, (0.2, 1.2), head=(
        "document.head.appendChild(Object.assign(document.createElement('style'), {textContent:"
        " '.rso-hidden-test { visibility: hidden; }'}));" + DRAW_WHEN_SHOWN % json.dumps(hidden)))
    page.wait_for_function("window.seen !== null")
    expect(_message(page)).to_contain_text(RELOAD)  # it carries on to the second message
    expect(page.get_by_role("button", name="Reload the page")).to_be_visible()
    assert page.evaluate("window.rsoSlowPage.watching")
    ctx.close()
