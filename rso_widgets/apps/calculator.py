"""The RM2000 calculator app: the form and a short note, for `workbooks/rm2000_calculator.ipynb`.

Lean on purpose (no pandas/plotly): this runs at the top of a served notebook.
"""

from __future__ import annotations

import logging

import ipywidgets as w

from ..widgets.fields import esc

log = logging.getLogger("rso_widgets.apps.calculator")

NOTE = "Enter fictional case material only."


def rm2000_calculator() -> w.Widget:
    """Build the calculator page. Returns the widget (the notebook's last expression shows it).

    If the form cannot be built (for example a broken ruleset file), a readable message is
    returned instead of a traceback.
    """
    try:
        from ..widgets.rm2000_form import RM2000Form

        form = RM2000Form()
    except Exception as exc:
        log.exception("the RM2000 calculator could not start")
        return w.HTML(
            '<div role="alert" style="border-left:6px solid #d4351c;padding:6px 12px">'
            "<strong>The RM2000 calculator could not start.</strong> "
            f"{esc(_short(exc))} Tell the workbook team; nothing you entered was lost.</div>")
    status = form.rs.provenance.status
    note = w.HTML(
        f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:45em">'
        f"Ruleset <code>{esc(form.rs.ref)}</code>: {esc(status)}. {esc(NOTE)}</p>")
    return w.VBox([note, form], layout=w.Layout(padding="0 12px"))


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"
