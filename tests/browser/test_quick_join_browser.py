"""The workshop's quick join form (issue 12): the trainee page's join form is plain HTML in the
`rso` template (quick_join.html, static/rso_quick.js), usable at first paint, before Voilà's
scripts and the widgets load; what was typed is handed to the widget join form when it renders.

Voilà's main script is held back (a Playwright route) to stand for a room loading the page at
once: the form shows and can be typed into without it, an early Join never leaves the page, and
once the script is let through the typed code and name reach the kernel, which joins (or shows
its own error beside the field). Other pages do not get the form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import (
    VoilaScriptHold,
    assert_accessible,
    assert_no_traceback,
    private_server,
    workshop_seed,
)
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

JOIN_CODE = "QJ4K7M"
READY = 90_000  # a Voilà page under load


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    seed = workshop_seed("quick.trainer", "Quick join check", JOIN_CODE)
    with private_server(tmp_path_factory, "quick", "quick.trainer", seed=seed) as started:
        yield started


def _held_page(chromium, server: ServedWorkbooks):
    """The trainee page with Voilà's main script held back until `release()` is called."""
    ctx = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    hold = VoilaScriptHold(page)
    page.fetched = []  # every URL the page asks for
    page.on("request", lambda request: page.fetched.append(request.url))
    page.goto(f"{server.url}voila/render/workshop.ipynb", wait_until="commit")

    def release() -> None:
        page.wait_for_function("document.querySelector('#rso-quick') !== null")
        hold.release()

    return ctx, page, release


def test_the_form_is_usable_before_the_widgets_and_hands_over_what_was_typed(chromium, server):
    ctx, page, release = _held_page(chromium, server)
    form = page.get_by_role("main", name="Join a workshop")  # the main landmark until the widgets
    expect(form).to_be_visible()
    assert page.locator(".jupyter-widgets").count() == 0  # no widget has rendered
    assert_accessible(page, "#rso-quick")
    code = page.get_by_label("Join code")
    code.fill(JOIN_CODE.lower())  # the kernel's check takes either case
    page.get_by_label("Your display name").fill("Quick Q")
    page.keyboard.press("Shift+Tab")  # the focus is back in the code box
    expect(code).to_be_focused()

    release()
    page.locator("body:not(.rso-quick-active)").wait_for(state="attached", timeout=READY)
    expect(page.locator("#rso-quick")).to_have_count(0)  # one form on the page at a time
    code = page.locator(".rso-join-code-input input")
    expect(code).to_have_value(JOIN_CODE.lower())
    expect(code).to_be_focused()  # typing carries on where it was
    expect(page.locator(".rso-join-name-input input")).to_have_value("Quick Q")
    page.get_by_role("button", name="Join the workshop", exact=True).click()
    expect(page.get_by_text("Workshop: Quick join check")).to_be_visible(timeout=30_000)
    assert_no_traceback(page)
    ctx.close()


def test_join_pressed_early_waits_then_joins_with_the_kernels_checks(chromium, server):
    ctx, page, release = _held_page(chromium, server)
    page.get_by_label("Join code").fill("NOPE00")
    page.get_by_label("Your display name").fill("Early E")
    page.get_by_role("button", name="Join the workshop", exact=True).click()
    status = page.locator("#rso-quick-status")
    expect(status).to_contain_text("Joining the workshop: the page is still loading")
    expect(page.get_by_role("button", name="Join the workshop")).to_have_attribute(
        "aria-disabled", "true")
    assert "NOPE00" not in page.url  # the form was never sent as a page request
    assert not [url for url in page.fetched if "rso_quick" in url]  # inlined: runs before a press

    release()  # the kernel checks the code: the widget form shows its error by the field
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible(timeout=READY)
    code = page.locator(".rso-join-code-input input")
    expect(code).to_have_value("NOPE00")
    code.fill(JOIN_CODE)
    page.get_by_role("button", name="Join the workshop", exact=True).click()
    open_case = page.get_by_role("button", name="Open this case", exact=True)
    open_case.click()
    page.locator(".rso-workshop-case", has_text="Scoring TC-02").wait_for()
    expect(page.get_by_label("Age at assessment")).to_be_visible()
    quick = page.evaluate("window.rsoQuick")
    assert quick["submittedAt"] < quick["widgetsReadyAt"] <= quick["handedAt"]
    assert_no_traceback(page)
    ctx.close()


def test_other_pages_have_no_quick_form(chromium, server):
    ctx = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    page.goto(f"{server.url}voila/render/rm2000_calculator.ipynb", wait_until="commit")
    page.get_by_role("button", name="Score", exact=True).wait_for(state="visible", timeout=READY)
    expect(page.locator("#rso-quick")).to_have_count(0)
    assert page.evaluate("window.rsoQuick === undefined")
    ctx.close()


WIDGET_FORM = ('<div class="rso-join-code-input"><input></div>'
               '<div class="rso-join-name-input"><input></div>'
               '<button class="rso-join-button">Join the workshop</button>')


def test_a_page_that_stops_behind_the_form_says_so_on_the_form_and_after_it(chromium):
    """rso.js's "stopped working" banner, raised while the quick form still hides the cells,
    shows on the form (it went into the hidden cells before), and stays when the form goes.
    The template's pieces in a page of their own; the page's kernel reported gone."""
    import jinja2

    from rso_widgets.serving.start_page import TEMPLATE_DIR

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)
    body = env.from_string(
        "<style>{% include 'static/rso.css' %}</style>"
        "<script>{% include 'static/rso_quick.js' %}</script>"
        "</head><body class='rso-quick-active'>{% include 'quick_join.html' %}"
        "<main id='rendered_cells' class='rso-main'></main>"
        "<script>{% include 'static/rso.js' %}</script>").render()
    config = '{"baseUrl": "/", "kernelId": "k1"}'
    html = ('<!DOCTYPE html><html lang="en-GB"><head><title>t</title>'
            f'<script id="jupyter-config-data" type="application/json">{config}</script>'
            f'{body}</body></html>')
    ctx = chromium.new_context(locale="en-GB")
    page = ctx.new_page()
    origin = "http://quick.test"
    page.route(f"{origin}/voila/render/workshop.ipynb",
               lambda route: route.fulfill(body=html, content_type="text/html"))
    page.route(f"{origin}/rso/api/kernels/k1?notebook=workshop.ipynb",
               lambda route: route.fulfill(json={"alive": False, "heartbeat_seconds": 30,
                                                 "saves_drafts": True}))
    page.goto(f"{origin}/voila/render/workshop.ipynb")
    banner = page.get_by_role("alert").filter(has_text="This page has stopped working.")
    expect(banner).to_be_visible()
    expect(banner).to_be_focused()
    expect(banner).to_contain_text("Your answers are saved as a draft.")
    assert page.locator("#rso-quick .rso-notification-banner").count() == 1

    page.evaluate(f"document.getElementById('rendered_cells').innerHTML = {WIDGET_FORM!r}")
    expect(page.locator("#rso-quick")).to_have_count(0)  # handed over
    expect(banner).to_be_visible()  # now at the top of the cells
    assert page.locator("#rendered_cells > .rso-notification-banner").count() == 1
    ctx.close()
