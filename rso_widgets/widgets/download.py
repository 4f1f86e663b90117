"""A download link that carries its file: an `<a download>` whose `href` is a base64 `data:` URI.

Voilà serves no files from outside the notebook folder (and should not: the data directory
holds personal data), so a file made on the server reaches the browser inside the link — the
approach ipywidgets' maintainers recommend for a download from a widget. The contents are base64,
so nothing in them is read as part of the page; the file name and the link text are escaped.
"""

from __future__ import annotations

import base64

from .fields import esc

MIME = {"pdf": "application/pdf", "html": "text/html", "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def human_size(n: int) -> str:
    """1 byte … 1023 bytes, 12 KB, 3.4 MB."""
    if n < 1024:
        return f"{n} byte{'' if n == 1 else 's'}"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def data_link(name: str, data: bytes, mime: str, text: str, *, button: bool = False) -> str:
    """`<a class="rso-download" download="name" href="data:mime;base64,…">text</a>`; `button`
    makes it look like a GOV.UK button (class `rso-download-button` in the kit stylesheet)."""
    payload = base64.b64encode(data).decode("ascii")
    cls = "rso-download rso-download-button" if button else "rso-download"
    return (f'<a class="{cls}" download="{esc(name)}" href="data:{esc(mime)};base64,{payload}">'
            f"{esc(text)}</a>")
