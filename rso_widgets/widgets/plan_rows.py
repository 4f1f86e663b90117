"""The rows of the plan builder: an action, a contingency, a legal requirement. Each is a
`row_list.Row`: labelled controls, `raw()` for drafts, `model()` for the plan (None while the row
cannot be part of it yet)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..instruments.plan import Action, Contingency, LegalRequirement
from .checkboxes import Checkboxes
from .dates import as_date
from .fields import Shared, stacked
from .row_list import Row

LEGAL_KINDS = [("Notification requirements", "notification"),
               ("Licence condition", "licence_condition"),
               ("Civil order (for example a Sexual Harm Prevention Order)", "order"),
               ("Other", "other")]


class ActionRow(Row):
    noun = "action"

    def __init__(self, pillar: str, pillars: list[tuple[str, str]],
                 factors: list[tuple[str, str]], shared: Shared):
        super().__init__(shared)
        sh = shared
        self.pillar = w.Dropdown(options=pillars, value=pillar, layout=sh.stacked,
                                 style=sh.desc)
        self.description = w.Textarea(value="", rows=2, continuous_update=True,
                                      layout=sh.stacked, style=sh.text)
        self.factors = Checkboxes(options=factors,
                                  hint="Select all the factors this action addresses.")
        self.owner = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        self.frequency = w.Text(value="", continuous_update=True, layout=sh.stacked,
                                style=sh.text)
        self.due = w.DatePicker(value=None, layout=sh.stacked, style=sh.desc)
        self.outcome = w.Text(value="", continuous_update=True, layout=sh.stacked,
                              style=sh.text)
        for c, size in ((self.pillar, "medium"), (self.description, "wide"),
                        (self.owner, "wide"),
                        (self.frequency, "wide"), (self.due, "narrow"), (self.outcome, "wide")):
            stacked(c, "", size=size)
        self.factors_error = sh.html_widget("")
        self._finish([self.description, self.pillar, self.factors],
                     [self.factors_error, self.owner, self.frequency, self.due,
                      self.outcome])
        for c in (self.owner, self.frequency, self.due, self.outcome):
            c.observe(self._changed, names="value")

    def relabel(self, n: int) -> None:
        self.heading.value = f"<strong>Action {n}</strong>"
        self.description.description = f"Action {n}: what will be done"
        self.pillar.description = f"Action {n}: pillar"
        self.factors.description = f"Action {n}: ARMS factors it addresses"
        self.owner.description = f"Action {n}: owner (agency or role)"
        self.frequency.description = f"Action {n}: how often (or give a due date)"
        self.due.description = f"Action {n}: due date"
        self.outcome.description = f"Action {n}: observable outcome that shows it is working"
        self.remove.description = f"Remove action {n}"
        self.remove.tooltip = f"Remove action {n} from the plan"

    def raw(self) -> dict[str, Any]:
        d = self.due.value
        return {"pillar": self.pillar.value, "description": self.description.value,
                "factors": list(self.factors.value), "owner": self.owner.value,
                "frequency": self.frequency.value, "due": d.isoformat() if d else None,
                "outcome": self.outcome.value}

    def load(self, raw: dict[str, Any]) -> None:
        if raw.get("pillar") in [v for _, v in self.pillar.options]:
            self.pillar.value = raw["pillar"]
        self.description.value = str(raw.get("description") or "")
        known = [v for _, v in self.factors.options]
        unknown = [f for f in raw.get("factors") or [] if f not in known]
        if unknown:  # keep what was recorded
            self.factors.options = [*self.factors.options,
                                    *[(f"{f} (not in the catalogue)", f) for f in unknown]]
        self.factors.value = tuple(raw.get("factors") or ())
        self.owner.value = str(raw.get("owner") or "")
        self.frequency.value = str(raw.get("frequency") or "")
        self.due.value = as_date(raw.get("due"), strict=False)
        self.outcome.value = str(raw.get("outcome") or "")

    def model(self) -> Action | None:
        if not self.description.value.strip():
            return None
        return Action(pillar=self.pillar.value, description=self.description.value.strip(),
                      factors=list(self.factors.value), owner=self.owner.value.strip(),
                      frequency=self.frequency.value.strip(), due=self.due.value,
                      outcome=self.outcome.value.strip())


class ContingencyRow(Row):
    noun = "contingency"

    def __init__(self, shared: Shared):
        super().__init__(shared)
        sh = shared
        self.trigger = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        self.response = w.Text(value="", continuous_update=True, layout=sh.stacked,
                               style=sh.text)
        self.owner = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        for c in (self.trigger, self.response, self.owner):
            stacked(c, "", size="wide")
        self._finish([self.trigger, self.response, self.owner])

    def relabel(self, n: int) -> None:
        self.heading.value = f"<strong>Contingency {n}</strong>"
        self.trigger.description = f"Contingency {n}: warning sign or trigger"
        self.response.description = f"Contingency {n}: pre-agreed response"
        self.owner.description = f"Contingency {n}: owner"
        self.remove.description = f"Remove contingency {n}"

    def raw(self) -> dict[str, Any]:
        return {"trigger": self.trigger.value, "response": self.response.value,
                "owner": self.owner.value}

    def load(self, raw: dict[str, Any]) -> None:
        self.trigger.value = str(raw.get("trigger") or "")
        self.response.value = str(raw.get("response") or "")
        self.owner.value = str(raw.get("owner") or "")

    def model(self) -> Contingency | None:
        c = Contingency(trigger=self.trigger.value.strip(), response=self.response.value.strip(),
                        owner=self.owner.value.strip())
        return c if (c.trigger or c.response or c.owner) else None  # an untouched row


class LegalRow(Row):
    noun = "requirement"

    def __init__(self, shared: Shared):
        super().__init__(shared)
        sh = shared
        self.kind = w.Dropdown(options=LEGAL_KINDS, index=None, layout=sh.stacked,
                               style=sh.desc)
        self.terms = w.Textarea(value="", rows=2, continuous_update=True, layout=sh.stacked,
                                style=sh.text)
        self.start_date = w.DatePicker(value=None, layout=sh.stacked, style=sh.desc)
        self.end_date = w.DatePicker(value=None, layout=sh.stacked, style=sh.desc)
        self.end_error = sh.html_widget("")
        stacked(self.kind, "", size="wide")
        stacked(self.terms, "", size="wide")
        stacked(self.start_date, "")
        stacked(self.end_date, "")
        self._finish([self.kind, self.terms, self.start_date, self.end_date], [self.end_error])

    def relabel(self, n: int) -> None:
        self.heading.value = f"<strong>Legal requirement {n}</strong>"
        self.kind.description = f"Legal requirement {n}: kind"
        self.terms.description = f"Legal requirement {n}: terms"
        self.start_date.description = f"Legal requirement {n}: start date"
        self.end_date.description = f"Legal requirement {n}: end date"
        self.remove.description = f"Remove legal requirement {n}"

    def raw(self) -> dict[str, Any]:
        s, d = self.start_date.value, self.end_date.value
        return {"kind": self.kind.value, "terms": self.terms.value,
                "start_date": s.isoformat() if s else None,
                "end_date": d.isoformat() if d else None}

    def load(self, raw: dict[str, Any]) -> None:
        if raw.get("kind") in [v for _, v in LEGAL_KINDS]:
            self.kind.value = raw["kind"]
        self.terms.value = str(raw.get("terms") or "")
        self.start_date.value = as_date(raw.get("start_date"), strict=False)
        self.end_date.value = as_date(raw.get("end_date"), strict=False)

    def model(self) -> LegalRequirement | None:
        if self.kind.value is None:
            return None
        return LegalRequirement(kind=self.kind.value, terms=self.terms.value.strip(),
                                start_date=self.start_date.value, end_date=self.end_date.value)
