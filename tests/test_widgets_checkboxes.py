"""The checkbox group that replaced Ctrl-click multi-select lists (issue 14), without a browser."""

from __future__ import annotations

import ipywidgets as w
import pytest

from rso_widgets.widgets.checkboxes import Checkboxes
from rso_widgets.widgets.fields import FORM_CSS, ErrorSummary, Field

OPTIONS = [("TC-01 Thistlehurst", "TC-01"), ("TC-02 Colsterby", "TC-02"),
           ("TC-03 Wrayhurst", "TC-03")]


def test_one_labelled_native_checkbox_per_option_and_ticks_make_the_value():
    group = Checkboxes(OPTIONS, description="Cases to score")
    assert [b.description for b in group.boxes] == [label for label, _ in OPTIONS]
    assert all(isinstance(b, w.Checkbox) and not b.description_allow_html for b in group.boxes)
    assert "Cases to score" in group.legend.value
    group.boxes[2].value = True  # ticked as a person would: no Ctrl or Shift
    group.boxes[0].value = True
    assert group.value == ("TC-03", "TC-01")  # in the order ticked
    group.boxes[2].value = False
    assert group.value == ("TC-01",)


def test_value_set_in_code_ticks_the_boxes_and_unknown_values_are_refused():
    group = Checkboxes(OPTIONS, value=("TC-02",))
    assert [b.value for b in group.boxes] == [False, True, False]
    group.value = ("TC-03", "TC-01")
    assert [b.value for b in group.boxes] == [True, False, True]
    assert group.value == ("TC-03", "TC-01")  # a stored order is kept
    with pytest.raises(ValueError, match="not among the options"):
        group.value = ("TC-99",)
    assert group.value == ("TC-03", "TC-01")


def test_replacing_the_options_keeps_ticks_that_are_still_offered():
    group = Checkboxes(OPTIONS, value=("TC-01", "TC-03"))
    group.options = [("TC-03 Wrayhurst", "TC-03"), ("TC-04 Fennickley", "TC-04")]
    assert group.value == ("TC-03",)
    assert [b.description for b in group.boxes] == ["TC-03 Wrayhurst", "TC-04 Fennickley"]


def test_escaped_question_and_hint_and_labels_in_a_field():
    group = Checkboxes(OPTIONS, hint="Select <all> that apply.")
    field = Field(group, "Cases <b>to</b> score", "Every trainee scores the same cases.")
    assert group.description == "Cases <b>to</b> score"
    assert "Cases &lt;b&gt;to&lt;/b&gt; score" in group.legend.value
    assert "Select &lt;all&gt; that apply." in group.legend.value
    field.error = "Select at least one case"
    assert "Error:</span> Select at least one case" in field.notes.value
    # label, hint and error, then the boxes: the CSS orders the field's parts that way
    assert ".rso-field > .rso-checkboxes > .rso-checkbox-list { order: 2; }" in FORM_CSS
    assert "rso-field-notes" in field.notes._dom_classes


def test_the_error_summary_moves_focus_to_the_first_box(monkeypatch):
    group = Checkboxes(OPTIONS)
    focused = []
    monkeypatch.setattr(group.boxes[0], "focus", lambda: focused.append("first"))
    summary = ErrorSummary()
    summary.show([("Cases to score", "Select at least one case", group)])
    [link] = summary.links
    assert link.description == "Select at least one case"
    link.click()
    assert focused == ["first"]
