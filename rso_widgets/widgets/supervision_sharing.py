"""Your own settings and records: whether your team lead may see your individual results
(only you change it), and your CPD portfolio exported as HTML or PDF.

Views only: the app saves the choice with `store.supervision.set_consent` and writes the
portfolio with `reports.cpd.write_cpd_portfolio` (atomic, audited).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from .download import MIME, data_link, human_size
from .fields import Notice, esc, text_button
from .supervision_forms import RecordForm, choice, heading, hint

CONSENT_HINT = (
    "Your team lead sees anonymised team figures only. If you say yes, they can also see your "
    "own figures (supervision held, plan quality, calibration status, your CPD record) — never "
    "ranked against anyone else. Your supervisor can always see them. You can change this at "
    "any time; nobody else can change it for you.")
CPD_HINT = (
    "Your CPD portfolio lists your practice and calibration against the training keys, the "
    "observations of your practice, your development goals and the supervision you attended. "
    "It is marked OFFICIAL-SENSITIVE: keep it under your force's information policy.")


class ConsentForm(RecordForm):
    """Your consent setting for team reporting."""

    submit_label = "Save my choice"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choice = self.field(
            "share_individual", choice([("No: anonymised team figures only", False),
                                        ("Yes: my team lead may see my own results", True)],
                                       self.shared, value=False, none_first=True),
            "May your team lead see your individual results?", size="wide")
        self.current = w.HTML("")
        self._finish([heading("Sharing your results with your team lead", 2),
                      hint(CONSENT_HINT), self.current, self.choice])
        self.add_class("rso-consent")

    def show(self, consent: bool) -> None:
        self.choice.control.value = bool(consent)
        now = ("Yes, your team lead may see your results" if consent
               else "No, anonymised team figures only")
        self.current.value = (f"<p>Your current choice: <strong class='rso-consent-now'>{now}"
                              "</strong>.</p>")

    @property
    def value(self) -> bool:
        return bool(self.choice.control.value)


class CPDExport(w.VBox):
    """Export buttons for the CPD portfolio, and a download link for the file made."""

    def __init__(self) -> None:
        self.html_button = text_button("Export my CPD portfolio as HTML")
        self.pdf_button = text_button("Export my CPD portfolio as PDF")
        self.html_button.add_class("rso-spaced-button")
        self._handlers: list[Callable[[str], Any]] = []
        self.html_button.on_click(lambda _b: self._clicked("html"))
        self.pdf_button.on_click(lambda _b: self._clicked("pdf"))
        self.notice = Notice(layout=w.Layout(display="none"))
        self.link = w.HTML("", layout=w.Layout(display="none"))
        super().__init__(children=[
            heading("Your CPD portfolio", 2), hint(CPD_HINT),
            w.HBox([self.html_button, self.pdf_button], layout=w.Layout(flex_flow="row wrap")),
            self.notice, self.link])
        self.add_class("rso-cpd-export")

    def on_export(self, fn: Callable[[str], Any]) -> None:
        self._handlers.append(fn)

    def _clicked(self, fmt: str) -> None:
        for fn in list(self._handlers):
            fn(fmt)

    def show_file(self, path: Path, data: bytes, fmt: str) -> None:
        """Say where the file is, and offer it as a download (the page's own copy)."""
        self.notice.say(f"Your CPD portfolio is saved as {path.name} in the workbook's exports "
                        "folder. It is marked OFFICIAL-SENSITIVE.", heading="Exported")
        link = data_link(path.name, data, MIME[fmt],
                         f"Download {path.name} ({fmt.upper()}, {human_size(len(data))})")
        self.link.value = (f"<p>{link}</p><p class='rso-hint'>Saved on the workbook server at "
                           f"<code>{esc(path)}</code>.</p>")
        self.link.layout.display = ""

    def fail(self, text: str) -> None:
        self.link.value = ""
        self.link.layout.display = "none"
        self.notice.say(text, kind="error", heading="Not exported")
