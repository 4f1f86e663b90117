"""Scratch (not committed): screenshots of the form layout."""
import pytest

pytestmark = pytest.mark.browser


def test_shots(page, voila):
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(voila.url + "voila/render/supervision.ipynb", wait_until="commit")
    page.get_by_role("tab").first.wait_for(timeout=120_000)
    page.wait_for_timeout(3000)
    tabs = page.locator(".lm-TabBar-tabLabel").all()
    print([(t.evaluate("e => [e.scrollWidth, e.clientWidth]")) for t in tabs])
    page.screenshot(path="/tmp/forms_shots/sup.png")
    page.get_by_role("tab", name="Reflective diary").click()
    page.wait_for_timeout(3000)
    print(page.locator("textarea").first.evaluate("e => getComputedStyle(e).fontFamily"))
    page.screenshot(path="/tmp/forms_shots/sup2.png")
