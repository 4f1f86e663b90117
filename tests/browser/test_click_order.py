"""A click never overtakes the value typed just before it (static/rso.js, "typed changes
leave first").

ipywidgets' page side keeps one state update of a widget in flight: while the kernel has not
yet answered the last one, a widget's next changes wait in the browser (`_msg_buffer`). A
button's click is a custom message and leaves at once, so it can reach the kernel before the
last typed value: the click handler then reads a stale field (jupyter-widgets/ipywidgets#252).
A slow observer on the field keeps the kernel busy for seconds, so without rso.js's fix these
tests fail every time, not now and then."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import assert_no_traceback, fill_counts_case, running, write_notebook
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

SLOW = 3  # seconds the kernel spends on each change of the field (the race window)
RACE_SOURCE = f"""\
import html
import time

import ipywidgets as w
from IPython.display import display


def form(name, continuous):
    field = w.Text(value="", description=name, continuous_update=continuous)
    field.observe(lambda change: time.sleep({SLOW}), "value")  # the kernel is busy
    seen = w.HTML(value="")
    button = w.Button(description="Save " + name)

    def saved(_button):
        seen.value = "<p class='race-seen'>saved: " + html.escape(field.value) + "</p>"

    button.on_click(saved)
    return w.VBox([field, button, seen])


display(form("while typing", True), form("on leaving", False))
"""


# the real RM2000 calculator, its "Age at assessment" made slow: the kernel is busy with a change
CALCULATOR_SOURCE = f"""\
import time

from rso_widgets.apps.calculator import rm2000_calculator

app = rm2000_calculator()
form = app.children[1]
form.fields["age_at_assessment"].control.observe(lambda change: time.sleep({SLOW}), "value")
app
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    """The race notebook and the slowed RM2000 calculator, no preheated kernels (less CPU)."""
    base = tmp_path_factory.mktemp("click-order")
    folder = base / "workbooks"
    folder.mkdir()
    write_notebook(folder / "race.ipynb", RACE_SOURCE)
    write_notebook(folder / "slow_calculator.ipynb", CALCULATOR_SOURCE)
    server = ServedWorkbooks(directory=folder, log_path=base / "voila.log", preheat=False,
                             env={"RSO_DATA_DIR": str(base / "data"), "RSO_USER": "race-test"})
    with running(server) as started:
        yield started


def _open_race(page, served):
    page.goto(served.url + "voila/render/race.ipynb", wait_until="commit")
    page.get_by_role("button", name="Save on leaving").wait_for(timeout=60_000)


def _held_back(page) -> list[dict]:
    """The changes ipywidgets holds back in the page, one per widget, until the kernel answers
    that widget's previous update."""
    return page.evaluate("""async () => {
      const models = await Promise.all(Object.values(window.jupyterapp.widgetManager._models));
      return models.filter(m => m._msg_buffer != null).map(m => m._msg_buffer);
    }""")


def _settled(page) -> None:
    """Wait until no widget on the page has a change in flight or held back."""
    assert page.evaluate("""async () => {
      const manager = window.jupyterapp.widgetManager;
      for (let i = 0; i < 300; i++) {
        const models = await Promise.all(Object.values(manager._models));
        if (models.every(m => !m._pending_msgs && m._msg_buffer == null)) return true;
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      return false;
    }"""), "a widget change was still waiting after 30 s"


def test_a_click_waits_for_the_value_typed_while_the_kernel_is_busy(page, served):
    """continuous_update=True: 'a' leaves, the kernel sleeps on it; 'ab', 'abc' wait in the
    browser; Save is clicked at once. The click must see 'abc'."""
    _open_race(page, served)
    page.get_by_label("while typing").press_sequentially("abc")
    # the race is set: 'abc' waits in the page (ipywidgets' throttle, which the fix keeps)
    assert _held_back(page) == [{"value": "abc"}]
    page.get_by_role("button", name="Save while typing").click()
    expect(page.locator(".race-seen")).to_have_text("saved: abc", timeout=4 * SLOW * 1000)
    assert_no_traceback(page)


def test_a_click_waits_for_the_value_of_the_field_it_leaves(page, served):
    """continuous_update=False, the field left twice quickly: 'first' leaves on Tab and the
    kernel sleeps on it; 'first second' is entered and Save clicked, whose mousedown leaves
    the field ('first second' waits in the browser). The click must see 'first second'."""
    _open_race(page, served)
    field = page.get_by_label("on leaving")
    field.fill("first")
    field.press("Tab")
    field.fill("first second")  # no change event until the field is left
    page.get_by_role("button", name="Save on leaving").click()
    expect(page.locator(".race-seen")).to_have_text("saved: first second",
                                                    timeout=4 * SLOW * 1000)
    assert_no_traceback(page)


def test_score_scores_the_age_typed_just_before_it(page, served):
    """The calculator's symptom: the case is entered ("Age at assessment" 40 keeps the kernel
    busy), the age is retyped as 41 and Score selected at once. Without the fix Score scored
    40 and the late 41 then said "Your answers have changed since the last result"."""
    page.goto(served.url + "voila/render/slow_calculator.ipynb", wait_until="commit")
    score = page.get_by_role("button", name="Score", exact=True)
    score.wait_for(timeout=60_000)
    fill_counts_case(page)
    age = page.get_by_label("Age at assessment")
    age.select_text()
    age.press_sequentially("41")
    score.click()
    _settled(page)  # the late 41, if it came after the click, has been taken in
    expect(page.get_by_text("Your answers have changed since the last result")).to_have_count(0)
    expect(page.locator(".rso-result")).to_be_visible(timeout=3 * SLOW * 1000)
    expect(page.get_by_role("row", name="Age at assessment 41")).to_be_visible()
    assert_no_traceback(page)
