"""Tables too wide for a narrow page (320 CSS px): scrolled inside their own region.

WCAG 1.4.10 (reflow) excepts data tables whose meaning needs rows and columns; such a table
scrolls sideways inside a labelled region that keyboard users can focus and scroll with the
arrow keys, while the page itself never scrolls sideways.
"""

from __future__ import annotations

from .fields import esc


def scroll_x(table_html: str, label: str) -> str:
    """`table_html` inside a focusable, labelled region that scrolls sideways when needed."""
    return (f"<div class='rso-scroll-x' role='region' tabindex='0' aria-label='{esc(label)}'>"
            f"{table_html}</div>")
