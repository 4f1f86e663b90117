"""The offer to rescore a stored RM2000 result under the current ruleset (a thin view over
`instruments.rm2000_rescore`): it says which ruleset produced the result, what rescoring would
change, scale by scale, and rescores only when the assessor chooses to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..instruments.rm2000_rescore import Rescore, superseded_note
from ..instruments.ruleset import RM2000Ruleset
from .fields import Notice, esc, text_button


class RescoreOffer(w.VBox):
    """Hidden until `offer()`; `accept` is called when the assessor chooses to rescore."""

    def __init__(self, accept: Callable[[], Any]):
        self.rescore: Rescore | None = None
        self.explain = w.HTML(value="")
        self.button = text_button("Rescore with the current ruleset")
        self.button.on_click(lambda _b: accept())
        self.done = Notice(layout=w.Layout(display="none"))
        super().__init__(children=[self.explain, self.button, self.done],
                         layout=w.Layout(display="none", max_width="45em"))
        self.add_class("rso-rescore-offer")

    def offer(self, rescore: Rescore, current: RM2000Ruleset) -> None:
        """Show what rescoring the stored result's facts with `current` would change."""
        self.rescore = rescore
        self.done.clear()
        before = rescore.before
        if rescore.after is None:
            effect = f"<p>It cannot be rescored as it stands: {esc(rescore.problem)}.</p>"
        else:
            rows = "".join(
                f"<tr><th scope='row'>{esc(c.scale)}</th><td>{esc(c.before)}</td>"
                f"<td><strong>{esc(c.after)}</strong></td>"
                f"<td>{'changes' if c.changed else 'no change'}</td></tr>"
                for c in rescore.scales)
            effect = (
                f"<p>Rescoring the same answers with <code>{esc(current.ref)}</code> would give:"
                f"</p><table class='rso-rescore'><thead><tr><th scope='col'>Scale</th>"
                f"<th scope='col'>Recorded ({esc(before.ruleset)})</th><th scope='col'>"
                f"Rescored ({esc(current.ref)})</th><th scope='col'>Change</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")
        self.explain.value = (
            "<div role='note' class='rso-warning-note'>"
            f"<p><strong>This result is shown as it was recorded.</strong> "
            f"{esc(superseded_note(before.ruleset, current))}</p>{effect}"
            "<p>Nothing changes unless you choose to rescore; the saved version then records "
            "the new result and its ruleset.</p></div>")
        self.button.description = f"Rescore with {current.ref}"
        self.button.disabled = rescore.after is None
        self.button.layout.display = ""
        self.layout.display = ""

    def accepted(self, text: str) -> None:
        """After the rescore: say what changed, and withdraw the offer."""
        self.explain.value = ""
        self.button.layout.display = "none"
        self.done.say(text, heading="Rescored")
        self.layout.display = ""

    def hide(self) -> None:
        self.rescore = None
        self.explain.value = ""
        self.done.clear()
        self.layout.display = "none"
