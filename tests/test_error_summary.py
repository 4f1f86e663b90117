"""The kit's error summary (`fields.ErrorSummary`) in the GOV.UK shape: "There is a problem",
announced (role=alert) and focused after a failed submit, then every message, each one with a
field itself the link that moves focus there, one without plain text; text always escaped.
The room page's HTML summary (`templates/macros.html`) has the same shape."""

from __future__ import annotations

import logging

import ipywidgets as w
from hypothesis import given, settings
from hypothesis import strategies as st

from rso_widgets.serving.room.forms import Problem
from rso_widgets.serving.room.page_base import _environment
from rso_widgets.widgets.fields import ErrorLink, ErrorSummary

HOSTILE = '<img src=x onerror="alert(1)"> & <b>bold</b>'


class Target:
    """A focus target that records being focused."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def focus(self) -> None:
        self.log.append(self.name)


def rows(summary: ErrorSummary) -> list[tuple[str, str]]:
    """("link", text) or ("plain", HTML) for each message shown, in order."""
    out = []
    for row in summary.list.children:
        if isinstance(row, ErrorLink):
            out.append(("link", row.description))
        else:
            assert isinstance(row, w.HTML) and "rso-error-plain" in row._dom_classes
            out.append(("plain", row.value))
    return out


def test_each_message_with_a_field_is_the_link_that_focuses_it():
    focused: list[str] = []
    age, sex = Target("age", focused), Target("sex", focused)
    s = ErrorSummary()
    s.show([("Sex", "Select the person's sex", sex),
            ("Age at assessment", "Enter the person's age at assessment", age)])
    assert rows(s) == [("link", "Select the person's sex"),
                       ("link", "Enter the person's age at assessment")]
    assert [(b.label, b.target) for b in s.links] == [("Sex", sex), ("Age at assessment", age)]
    assert all("rso-error-link" in b._dom_classes and not b.tooltip for b in s.links)
    assert not any("Go to" in b.description for b in s.links)  # no separate "Go to" buttons
    s.links[1].click()
    s.links[0].click()
    assert focused == ["age", "sex"]
    assert s.layout.display == "" and s.text == ("Select the person's sex\n"
                                                 "Enter the person's age at assessment")


def test_two_messages_about_one_field_are_two_links_to_it():
    focused: list[str] = []
    notes = Target("notes", focused)
    s = ErrorSummary()
    s.show([("Notes", "Enter the notes", notes), ("Name", "Enter the name", None),
            ("Notes", "Notes must be 4,000 characters or fewer", notes)])
    assert rows(s) == [("link", "Enter the notes"), ("plain", "Enter the name"),
                       ("link", "Notes must be 4,000 characters or fewer")]
    assert [b.target for b in s.links] == [notes, notes]
    for b in s.links:
        b.click()
    assert focused == ["notes", "notes"]


def test_a_message_with_no_field_is_plain_text_not_a_link():
    s = ErrorSummary()
    s.show([("", "The workshop has closed", None)])
    assert rows(s) == [("plain", "The workshop has closed")] and s.links == []
    assert not any(isinstance(x, w.Button) for x in s.list.children)
    focused: list = []
    s.heading.focus = lambda: focused.append("summary")  # type: ignore[method-assign]
    s.focus_first()  # the summary still takes focus: nothing to link to
    assert focused == ["summary"]


def test_hostile_text_is_escaped_in_html_and_a_text_node_in_a_link():
    s = ErrorSummary()
    s.show([("<b>Label</b>", HOSTILE, None), ("<b>Label</b>", HOSTILE, w.Text())])
    (_, plain), (_, link) = rows(s)
    assert plain == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert link == HOSTILE  # a button's description is put in the page as text, never HTML
    assert "<img" not in s.heading.value and "<b>" not in s.heading.value
    assert s.text == f"{HOSTILE}\n{HOSTILE}"


def test_the_heading_is_announced_and_is_where_focus_lands():
    s = ErrorSummary()
    assert s.layout.display == "none" and s.heading.value == ""
    s.show([("Age", "Enter the age", w.Text())])
    assert s.heading.value == '<div role="alert"><h2>There is a problem</h2></div>'
    assert s.children == (s.heading, s.list) and "rso-error-summary" in s._dom_classes
    assert "rso-focus-target" in s.heading._dom_classes  # rso.js lets it take focus
    focused: list = []
    s.heading.focus = lambda: focused.append("summary")  # type: ignore[method-assign]
    s.links[0].focus = lambda: focused.append("link")  # type: ignore[method-assign]
    s.focus_first()
    assert focused == ["summary"]  # GOV.UK: the summary, then Tab to its first link
    s.clear()
    s.focus_first()  # nothing shown: focus stays where it is
    assert focused == ["summary"] and s.layout.display == "none"
    assert s.items == [] and s.text == "" and s.list.children == ()


def test_show_again_reuses_the_rows_and_an_empty_list_clears():
    s = ErrorSummary()
    a, b = w.Text(), w.Text()
    s.show([("A", "Enter A", a), ("B", "Enter B", b), ("", "Plain", None)])
    first_links, (plain,) = s.links, [x for x in s.list.children if isinstance(x, w.HTML)]
    s.show([("B", "Enter B again", b)])
    assert s.links == first_links[:1] and s.links[0].target is b  # the same widget, re-aimed
    assert rows(s) == [("link", "Enter B again")]
    s.show([("", "Other", None), ("A", "Enter A", a)])
    assert plain in s.list.children and plain.value == "Other"
    assert s.links == first_links[:1] and s.links[0].target is a
    s.show([])
    assert s.layout.display == "none" and s.items == []


def test_a_target_that_cannot_take_focus_is_logged_not_raised(caplog):
    class Broken:
        def focus(self) -> None:
            raise RuntimeError("gone")

    s = ErrorSummary()
    s.show([("X", "Enter X", Broken())])
    with caplog.at_level(logging.ERROR, logger="rso_widgets.widgets"):
        s.links[0].click()
    assert "could not move focus" in caplog.text


texts = st.text(min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, st.booleans()), min_size=1, max_size=8))
def test_every_message_shown_once_in_order_a_link_exactly_when_it_has_a_field(items):
    s = ErrorSummary()
    targets = [w.Text() if has else None for _, has in items]
    pairs = enumerate(zip(items, targets, strict=True))
    s.show([(f"label {n}", text, t) for n, ((text, _), t) in pairs])
    assert s.items == [text for text, _ in items]
    shown = rows(s)
    assert [kind for kind, _ in shown] == ["link" if has else "plain" for _, has in items]
    for (kind, value), (text, _) in zip(shown, items, strict=True):
        assert value == (text if kind == "link" else
                         text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                         .replace('"', "&quot;").replace("'", "&#x27;"))
    assert [b.target for b in s.links] == [t for t in targets if t is not None]


# --- the room page's summary: the same shape in plain HTML -----------------------------------

def room_summary(problems: list[Problem]) -> str:
    macros = _environment().get_template("macros.html").module
    return str(macros.error_summary(problems))


def test_the_room_page_summary_links_each_message_to_its_field():
    html = room_summary([Problem("f-age", "Enter the age"),
                         Problem("f-hist1_date", "Date sentenced must be a real date",
                                 ("month", "year"))])
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    assert ">There is a problem</h2>" in html
    assert '<li><a href="#f-age">Enter the age</a></li>' in html
    assert ('<li><a href="#f-hist1_date-month">Date sentenced must be a real date</a></li>'
            in html)  # a date: its first part at fault


def test_the_room_page_summary_keeps_a_message_with_no_field_plain_and_escapes():
    html = room_summary([Problem("", HOSTILE), Problem("f-x", HOSTILE)])
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert f"<li>{escaped}</li>" in html
    assert f'<li><a href="#f-x">{escaped}</a></li>' in html
    assert "<img" not in html and "<b>" not in html
    assert room_summary([]).strip() == ""
