"""Every start-page link leads to a page headed with the link's own words (GOV.UK: the heading
matches the link that led there), and its browser tab says the same, without a browser: the
notebook's heading, its tab title and, on the trainee's notebook page, the quick join form's
heading; the app its one call builds adds no heading of its own level; the room page's heading
and title as its handler serves them."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import ipywidgets as w
from identities import open_as
from room_inprocess import RoomServer

from rso_widgets.serving.start_page import APPS, SERVICE_NAME, TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r"^from (rso_widgets\.apps\.[\w.]+) import (\w+)\s+(\w+)\(\)\s*$")


def _h1s(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", h).split())
            for h in re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, flags=re.S)]


def _widget_html(widget: w.Widget, seen: set[int] | None = None) -> list[str]:
    """The HTML of every widget under `widget` (a task list's built sections too)."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return []
    seen.add(id(widget))
    out = [widget.value] if isinstance(widget, w.HTML | w.HTMLMath) else []
    for child in [*getattr(widget, "children", ()), *getattr(widget, "built", {}).values()]:
        out += _widget_html(child, seen)
    return out


def test_every_start_page_link_leads_to_a_page_headed_with_its_words(data_dir, tmp_path):
    quick = (TEMPLATE_DIR / "quick_join.html").read_text(encoding="utf-8")
    for app in APPS:
        tab = f"{app.title} – {SERVICE_NAME}"
        if app.page:  # the room page, served by the server itself
            assert app.page == "room/"
            with open_as(f"sqlite:///{tmp_path / 'room.db'}", user="room.user") as store, \
                    RoomServer(store) as srv:
                page = srv.browser().get("").text
            assert _h1s(page) == [app.title], app.title
            assert f"<title>{tab}</title>" in page
            continue
        nb = json.loads((ROOT / "workbooks" / app.notebook).read_text(encoding="utf-8"))
        markdown = "\n".join("".join(c["source"]) for c in nb["cells"]
                             if c["cell_type"] == "markdown")
        headings = [line[2:] for line in markdown.splitlines() if line.startswith("# ")]
        assert headings == [app.title], f"{app.notebook}: h1 {headings} ≠ link {app.title!r}"
        assert nb["metadata"].get("title") == tab, f"{app.notebook}: the browser tab's title"
        if (nb["metadata"].get("rso") or {}).get("quick_form"):  # shown before the widgets
            assert _h1s(quick) == [app.title]
        (code,) = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        found = CALL.match(code.strip())
        assert found and found[2] == found[3], f"{app.notebook}: one call into the apps"
        root = getattr(importlib.import_module(found[1]), found[2])()
        inner = [h for html in _widget_html(root) for h in _h1s(html)]
        assert inner == [], f"{app.notebook}: the app adds a page heading {inner}"
