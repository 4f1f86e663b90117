"""The RM2000 calculator app: the form and a short note, for `workbooks/rm2000_calculator.ipynb`.

Lean on purpose (no pandas/plotly): this runs at the top of a served notebook.
"""

from __future__ import annotations

import ipywidgets as w

from ..widgets.fields import esc
from .startup import guarded

NOTE = "Enter fictional case material only."


def rm2000_calculator() -> w.Widget:
    """Build the calculator page. Returns the widget (the notebook's last expression shows it).

    If the form cannot be built (for example a broken ruleset file), the shared start-up guard
    shows a message naming the problem and the fix instead of a traceback.
    """
    return guarded("The RM2000 calculator", _build)


def _build() -> w.Widget:
    # deferred: imported inside the start-up guard, so a form that cannot load shows the
    # friendly message rather than a traceback
    from ..widgets.rm2000_form import RM2000Form

    form = RM2000Form()
    status = form.rs.provenance.status
    note = w.HTML(  # the h2 keeps heading levels in order: notebook h1, the form's h3s
        '<h2 style="margin:12px 0 6px 0">Enter the facts of the case</h2>'
        f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:45em">'
        f"{esc(status[:1].upper() + status[1:])}. {esc(NOTE)}</p>"
        '<details class="rso-about-rules"><summary>About the scoring rules</summary>'
        f"<p>Ruleset <code>{esc(form.rs.ref)}</code>, recorded with every result.</p>"
        "</details>")
    return w.VBox([note, form], layout=w.Layout(padding="0 12px"))
