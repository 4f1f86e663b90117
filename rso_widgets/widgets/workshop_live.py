"""The live part of a workshop page: a browser-driven ticker and the roster of who has joined
and who has submitted which case.

`Ticker` is a hidden `ipywidgets.Play`: the *browser* counts (the Play model's own timer) and
each tick arrives in the kernel as an ordinary widget message on the kernel's loop, so callbacks
run where every other widget callback runs. No thread, no kernel-side timer: when the page is
closed the ticks stop, and the idle kernel can be culled. The Play's own buttons are icon-only,
so it stays hidden; pages offer a labelled checkbox and a "Refresh now" button instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..timefmt import clock_text
from .fields import esc, form_style

if TYPE_CHECKING:
    from ..calibration.workshop import DashboardModel

log = logging.getLogger("rso_widgets.widgets.workshop_live")


def workshop_style() -> w.HTML:
    """The kit stylesheet (the workshop tables are styled there)."""
    return form_style()


class Ticker(w.Play):
    """Calls `callback()` every `seconds` while `running`, driven by the browser's timer.

    Setting `running = True` starts the browser's timer (it starts only in a callback, once the
    page shows the widget). A tick that arrives while the previous call is still running, or
    sooner than `seconds` after it, is skipped.
    """

    def __init__(self, seconds: float, callback: Callable[[], Any]):
        super().__init__(value=0, min=0, max=10**9, step=1, interval=max(250, int(seconds * 1000)),
                         repeat=True, show_repeat=False, layout=w.Layout(display="none"))
        self.seconds = seconds
        self.callback = callback
        self.ticks = 0
        self._busy = False
        self._last = 0.0
        self.observe(self._on_tick, names="value")

    @property
    def running(self) -> bool:
        return bool(self.playing)

    @running.setter
    def running(self, on: bool) -> None:
        self.playing = bool(on)

    def _on_tick(self, _change: Any = None) -> None:
        self.ticks += 1
        now = time.monotonic()
        if self._busy or now - self._last < self.seconds * 0.8:
            return
        self._busy = True
        try:
            self.callback()
        except Exception:  # the callback reports its own errors; never break the ticker
            log.exception("a timed refresh failed")
        finally:
            self._last = time.monotonic()
            self._busy = False


def _when(t: dt.datetime) -> str:
    return clock_text(t)


def roster_html(model: DashboardModel, reveal: bool = False) -> str:
    """Trainees × cases: who has joined, who has submitted which case (text, not colour)."""
    n = len(model.roster)
    complete = sum(1 for r in model.roster if len(r.submitted) >= len(model.case_ids))
    head = (f'<p class="rso-roster-counts" role="status">{n} trainee{"s" if n != 1 else ""} '
            f"joined; {model.n_submissions} submission{'s' if model.n_submissions != 1 else ''};"
            f" {complete} of {n} have submitted every case.</p>")
    if not model.roster:
        return head + ("<p>Nobody has joined yet. Trainees open the workshop page and enter the "
                       f"join code <strong>{esc(model.cohort.join_code)}</strong>.</p>")
    cols = "".join(f'<th scope="col">{esc(c)}</th>' for c in model.case_ids)
    rows = []
    for r in model.roster:
        cells = "".join(
            f"<td>Submitted {esc(_when(r.submitted[c]))}</td>" if c in r.submitted
            else "<td>Not yet</td>" for c in model.case_ids)
        rows.append(f'<tr data-member="{r.member_id}"><th scope="row">{esc(r.label(reveal))}'
                    f"</th><td>{esc(_when(r.joined_at))}</td>{cells}"
                    f'<td class="rso-num">{len(r.submitted)} of {len(model.case_ids)}</td></tr>')
    foot = "".join(f'<td class="rso-num">{model.submitted_count(c)}</td>'
                   for c in model.case_ids)
    who = "Name" if reveal else "Trainee (anonymous)"
    return (head + '<div class="rso-scroll-x" role="region" tabindex="0" aria-label="Who '
            'has joined and submitted"><table class="rso-roster">'
            f"<caption>Who has joined and submitted</caption><thead><tr>"
            f'<th scope="col">{who}</th><th scope="col">Joined</th>{cols}'
            f'<th scope="col">Cases submitted</th></tr></thead><tbody>{"".join(rows)}</tbody>'
            f'<tfoot><tr><th scope="row">Submitted by</th><td></td>{foot}<td></td></tr>'
            "</tfoot></table></div>")


class LiveRoster(w.VBox):
    """The live view: counts and the trainees × cases table."""

    def __init__(self, **kwargs: Any):
        self.body = w.HTML(value="")
        super().__init__([w.HTML('<h2 class="rso-kit-heading">Who has joined and '
                                 "submitted</h2>"
                                 '<p class="rso-hint">'
                                 "This updates on its own while the page is open.</p>"),
                          self.body], **kwargs)
        self.add_class("rso-roster-view")

    def show(self, model: DashboardModel, reveal: bool = False) -> None:
        html = roster_html(model, reveal)
        if self.body.value != html:
            self.body.value = html

    @property
    def text(self) -> str:
        return re.sub(r"<[^>]+>", " ", self.body.value)
