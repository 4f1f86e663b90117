"""Where focus and the view land after an action, in a real browser: an error
summary on a scrolled page shows its whole field below the header (the header stays above the
scrolling cells, so a control aligned to their top edge had its question hidden behind it),
and in the practice form's own scrolling column below its top edge;
opening a section moves focus to its heading at once, before the section is drawn; RM2000
practice feedback opens above the case file, its outcome and summary line focused in view."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import assert_no_traceback, fill_counts_case, private_server
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

READY_TIMEOUT = 60_000
# the header's bottom edge, and the visible height of the page
EDGES = "() => [document.querySelector('.rso-header').getBoundingClientRect().bottom, " \
        "window.innerHeight]"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    # practice keeps its attempts: a module's own data directory
    with private_server(tmp_path_factory, "focus", "browser.focus") as started:
        yield started


def open_app(page, server: ServedWorkbooks, notebook: str, ready: str):
    page.goto(server.url + f"voila/render/{notebook}", wait_until="commit")
    button = page.get_by_role("button", name=ready, exact=True)
    button.wait_for(state="visible", timeout=READY_TIMEOUT)
    assert_no_traceback(page)
    return button


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None, f"{locator} is not on the page"
    return b


def go_to_shows_the_whole_field(page, scroller: str, name: str) -> None:
    """Scroll `scroller` until field `name`'s control just passes under its top edge (the
    question hidden, the control still partly in view: the person scrolled after tabbing to
    the summary), press its error message (the link, which names the field) and
    check the whole field — question, hint, error, control — is in view below the header and
    the scroller's top edge."""
    go = page.locator(".rso-error-summary").get_by_role(
        "button", name=re.compile(re.escape(name), re.IGNORECASE))
    go.wait_for()
    control = page.get_by_label(name, exact=True)
    field = page.locator(".rso-field", has=control)
    area = page.locator(scroller)
    area.evaluate("(s, el) => { s.scrollTop += el.getBoundingClientRect().top - "
                  "s.getBoundingClientRect().top + 10; }", control.element_handle())
    header, height = page.evaluate(EDGES)
    top = max(header, box(area)["y"])
    assert box(control)["y"] < top < box(control)["y"] + box(control)["height"]
    go.evaluate("e => e.focus({preventScroll: true})")
    page.keyboard.press("Enter")
    expect(control).to_be_focused()
    page.wait_for_timeout(200)  # a smooth scroll would still be moving
    label = field.locator("label").first
    assert label.inner_text().strip().startswith(name)
    top = max(header, box(area)["y"])  # the scroller may have moved in the page
    for what, part in (("question", label), ("field", field), ("control", control)):
        b = box(part)
        assert b["y"] >= top, f"the {what} is hidden above the edge ({b['y']} < {top})"
        assert b["y"] + b["height"] <= height, f"the {what} is below the window"


def test_a_go_to_on_a_scrolled_page_shows_the_whole_field_below_the_header(page, server):
    score = open_app(page, server, "rm2000_calculator.ipynb", "Score")
    fill_counts_case(page)
    page.get_by_label("Sexual appearances").fill("two")
    score.click()
    go_to_shows_the_whole_field(page, "#rendered_cells", "Sexual appearances")


def test_a_go_to_in_the_practice_scoring_column_shows_the_whole_field(page, server):
    """The practice form scrolls in its own column beside the case file: the same there."""
    open_case(page, server, "TC-03")
    fill_counts_case(page)
    page.get_by_label("Criminal appearances").fill("five")
    page.get_by_role("button", name="Submit for feedback").click()
    go_to_shows_the_whole_field(page, ".rso-scoring-column", "Criminal appearances")


def test_opening_a_section_moves_focus_to_its_heading_before_it_is_drawn(page, server):
    """The focus lands on the section's heading (caption and title) as the heading changes,
    not on the Back link after the section's views are drawn: timed in the page itself, with
    no sleep to hide a late focus."""
    open_app(page, server, "arms_practice.ipynb", "Open the case")
    select = page.get_by_label("Training case", exact=True)
    select.select_option(label=select.locator("option", has_text="TC-01:").inner_text())
    page.get_by_role("button", name="Open the case", exact=True).click()
    page.get_by_role("heading", name=re.compile("Practise ARMS on TC-01")).wait_for()
    title = "ARMS risk factors (R1 to R3)"
    page.evaluate("""(title) => {
      const log = window.__focusLog = {};
      const now = () => performance.now();
      log.clicked = now();
      document.addEventListener('focusin', (e) => {
        const h = e.target.querySelector && e.target.querySelector('.rso-journey-title');
        if (h && h.textContent === title && log.focused === undefined) log.focused = now();
        if (log.first === undefined) log.first = e.target.textContent.trim().slice(0, 60);
        if (e.target.closest('.rso-back-link') && log.back === undefined) log.back = now();
      }, true);
      const seen = () => {
        const h = [...document.querySelectorAll('.rso-journey-title')]
          .some((x) => x.textContent === title);
        if (h && log.heading === undefined) log.heading = now();
        if (document.querySelector('.rso-factor-R1') && log.drawn === undefined)
          log.drawn = now();
      };
      new MutationObserver(seen).observe(document.body,
                                         {subtree: true, childList: true, characterData: true});
    }""", title)
    page.get_by_role("button", name=title).click()
    page.wait_for_function("() => { const l = window.__focusLog; return l.drawn !== undefined"
                           " && (l.focused !== undefined || l.back !== undefined); }",
                           timeout=15_000)
    log = page.evaluate("window.__focusLog")
    assert "back" not in log and "focused" in log, f"focus did not go to the heading: {log}"
    assert log["focused"] <= log["drawn"], f"focus waited for the section to be drawn: {log}"
    assert log["focused"] - log["heading"] < 500, f"focus came late after the heading: {log}"
    focused = page.evaluate("document.activeElement.innerText.trim().replace(/\\s+/g, ' ')")
    assert focused.startswith("Section 2 of") and focused.endswith(title), focused
    header, height = page.evaluate(EDGES)
    heading = box(page.get_by_role("heading", name=title))
    assert header <= heading["y"] and heading["y"] + heading["height"] <= height
    # the Back link is just before it: one Shift+Tab
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Back to the task list")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function("() => { const e = document.activeElement; return !!e && "
                           "!!e.querySelector('.rso-journey-title') && "
                           "e.innerText.includes('You have completed'); }", timeout=15_000)


def open_case(page, server: ServedWorkbooks, case_id: str) -> None:
    """RM2000 practice with `case_id` open."""
    open_app(page, server, "rm2000_practice.ipynb", "Open this case")
    select = page.get_by_label("Case", exact=True)
    select.select_option(label=select.locator("option", has_text=f"{case_id}:").first
                         .inner_text())
    page.get_by_role("button", name="Open this case", exact=True).click()
    page.locator(".rso-practice-case", has_text=f"Practising {case_id}").wait_for()


def test_practice_feedback_opens_above_the_case_file_focused_in_view(page, server):
    open_case(page, server, "TC-02")
    fill_counts_case(page)
    submit = page.get_by_role("button", name="Submit for feedback")
    submit.scroll_into_view_if_needed()
    submit.click()
    head = page.locator(".rso-feedback > .rso-focus-target > .widget-html-content")
    expect(head).to_be_focused()
    expect(head.locator(".rso-feedback-headline")).to_have_text(
        re.compile("^Your (result|categories|decision)? ?(differs|agree)"))
    summary = head.locator(".rso-feedback-summary")
    expect(summary).to_have_text(re.compile(r"^You matched the key on \d+ of \d+ items\.$"))
    page.wait_for_timeout(200)  # a smooth scroll would still be moving
    header, height = page.evaluate(EDGES)
    for name, part in (("headline", head.locator(".rso-feedback-headline")),
                       ("summary line", summary)):
        b = box(part)
        assert header <= b["y"] and b["y"] + b["height"] <= height, f"the {name} is out of view"
    # above the case file and the form, not a long scroll below them
    assert box(head)["y"] < box(page.locator(".rso-reading-scoring"))["y"]
    expect(page.get_by_text("Your feedback is above the case file.")).to_be_visible()
    assert_no_traceback(page)
