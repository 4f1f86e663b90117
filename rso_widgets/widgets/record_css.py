"""The look of the confidence, ARMS progress and calibration record views (issue 16): classes
only, shipped once per page by `style()`. Light on purpose (no pandas): the practice pages
import it. It belongs in the widget kit's stylesheet once there is one."""

from __future__ import annotations

import ipywidgets as w

CSS = """
.rso-table { border-collapse: collapse; margin: 4px 0 12px 0; }
.rso-table caption { text-align: left; font-weight: bold; padding: 4px 0; }
.rso-table th, .rso-table td { border-bottom: 1px solid #b1b4b6; padding: 3px 12px 3px 0;
  text-align: left; vertical-align: top; }
.rso-table tbody th { font-weight: normal; }
.rso-cert-status { border-left: 6px solid #b1b4b6; padding: 4px 10px; max-width: 45em; }
.rso-cert-status.rso-status-ok { border-left-color: #00703c; }
.rso-cert-status.rso-status-due { border-left-color: #f47738; }
.rso-cert-status.rso-status-lapsed { border-left-color: #d4351c; }
.rso-details summary { cursor: pointer; color: #1d70b8; text-decoration: underline; }
.rso-confident-error th, .rso-confident-error td { font-weight: bold; }
.rso-local-policy { max-width: 45em; }
"""


def style() -> w.HTML:
    """The stylesheet as a hidden HTML widget (put it once on the page)."""
    return w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))
