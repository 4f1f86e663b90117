"""File a report: choose HTML or PDF, create it, and download it from the page.

Voilà serves no files from outside the notebook folder (and should not: the data directory
holds personal data), so the report reaches the browser as a `data:` URI in an anchor with a
`download` attribute — the approach ipywidgets' maintainers recommend for a download from a
widget — while the app also keeps the file in the data directory's `exports/` folder. The file
is written and audited by `reports.write_report`; this widget only shows it.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from .download import MIME, data_link, human_size
from .fields import Notice, focus_target, stacked, text_button

__all__ = ["MIME", "ReportDownload", "download_link", "human_size"]
MAX_LINK_BYTES = 20 * 1024 * 1024  # larger files are left in exports/ only
MARKING = "OFFICIAL-SENSITIVE"


def download_link(name: str, data: bytes, fmt: str) -> str:
    """A button-like link that downloads the report `data` as the file `name`."""
    return data_link(name, data, MIME[fmt],
                     f"Download the report ({fmt.upper()}, {human_size(len(data))})", button=True)


class ReportDownload(w.VBox):
    """Format, a "Create the report" button (wired by the app), status and the download link."""

    def __init__(self) -> None:
        self.format = w.Dropdown(options=[("PDF document", "pdf"), ("HTML web page", "html")],
                                 value="pdf")
        stacked(self.format, "Report format", size="medium")
        self.button = text_button("Create the report", primary=True)
        # what was created; focus moves there, so the download link is the next Tab (and a
        # screen reader says the report is ready)
        self.status = focus_target(Notice(layout=w.Layout(display="none")))
        self.link = w.HTML(value="")
        self.path: Path | None = None
        note = w.HTML(
            f'<p class="rso-hint">The report is marked {MARKING}. '
            "Creating it is recorded in the audit log with your name. Keep the downloaded file "
            "under your force's information management policy.</p>")
        super().__init__([note, self.format, self.button, self.status, self.link])
        self.add_class("rso-report-download")

    def clear(self) -> None:
        self.status.clear()
        self.link.value = ""
        self.path = None

    def show_file(self, path: Path, fmt: str, what: str) -> None:
        """`path` was written: offer it for download and say where the copy is kept."""
        self.path = Path(path)
        data = self.path.read_bytes()
        kept = f"A copy is kept in the workbook's exports folder as {self.path.name}."
        if len(data) > MAX_LINK_BYTES:
            self.link.value = ""
            self.status.say(f"Created the report of {what} ({human_size(len(data))}, too large "
                            f"to download from this page). {kept}", heading=f"{MARKING} report")
            self.status.focus()
            return
        self.status.say(f"Created the report of {what}. {kept}", heading=f"{MARKING} report")
        self.link.value = download_link(self.path.name, data, fmt)
        self.status.focus()
