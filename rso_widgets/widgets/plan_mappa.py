"""The plan's MAPPA and partnership section: MAPPA category and level (from the MAPPA data file),
lead agency, partner agencies and their roles, triggers for a level review, information-sharing
agreements, and other risk assessments partners hold (references only, never computed).

A view only over `instruments.mappa`: what is missing is the rubric's (Q7) and what stops a
final version is `plan_problems()`; `PlanBuilder` shows both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..instruments.mappa import (
    MappaCatalogue,
    MappaLayer,
    MappaPartner,
    PartnerAssessment,
    load_mappa,
)
from .dates import as_date
from .fields import Field, Shared, esc, stacked
from .plan_findings import error_html
from .row_list import Row, RowList

MAPPA_HINT = ("Registered people are MAPPA Category 1. Most are managed at level 1; choose level "
              "2 or 3 when the plan needs active multi-agency management. Note information-"
              "sharing agreements by what they cover — never reference numbers or contact "
              "details.")
ASSESSMENTS_HINT = ("Other risk assessments partners hold (for example OSP/C, OSP/I or OASys "
                    "RoSH): which tool, who holds it, its result as they report it, and its "
                    "date. References only: the workbook never computes them.")


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a box that takes one item per line, trimmed."""
    return [x.strip() for x in text.splitlines() if x.strip()]


class PartnerRow(Row):
    noun = "partner"

    def __init__(self, shared: Shared):
        super().__init__(shared)
        sh = shared
        self.agency = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        self.role = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        stacked(self.agency, "", size="wide")
        stacked(self.role, "", size="wide")
        self.error = sh.html_widget("")
        self._finish([self.agency, self.role], [self.error])

    def relabel(self, n: int) -> None:
        self.heading.value = f"<strong>Partner {n}</strong>"
        self.agency.description = f"Partner {n}: agency"
        self.role.description = f"Partner {n}: what it does in the plan"
        self.remove.description = f"Remove partner {n}"

    def raw(self) -> dict[str, Any]:
        return {"agency": self.agency.value, "role": self.role.value}

    def load(self, raw: dict[str, Any]) -> None:
        self.agency.value = str(raw.get("agency") or "")
        self.role.value = str(raw.get("role") or "")

    def model(self) -> MappaPartner | None:
        p = MappaPartner(agency=self.agency.value.strip(), role=self.role.value.strip())
        return p if (p.agency or p.role) else None


class AssessmentRow(Row):
    noun = "partner assessment"

    def __init__(self, tools: list[str], shared: Shared):
        super().__init__(shared)
        sh = shared
        self.tool = w.Combobox(value="", options=tools, ensure_option=False,
                               continuous_update=True, layout=sh.stacked, style=sh.text)
        self.held_by = w.Text(value="", continuous_update=True, layout=sh.stacked,
                              style=sh.text)
        self.result = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        self.date = w.DatePicker(value=None, layout=sh.stacked, style=sh.desc)
        for c, size in ((self.tool, "medium"), (self.held_by, "wide"), (self.result, "wide"),
                        (self.date, "narrow")):
            stacked(c, "", size=size)
        self.error = sh.html_widget("")
        self._finish([self.tool, self.held_by, self.result, self.date], [self.error])

    def relabel(self, n: int) -> None:
        self.heading.value = f"<strong>Partner assessment {n}</strong>"
        self.tool.description = f"Partner assessment {n}: tool"
        self.held_by.description = f"Partner assessment {n}: held by"
        self.result.description = f"Partner assessment {n}: result as reported"
        self.date.description = f"Partner assessment {n}: date"
        self.remove.description = f"Remove partner assessment {n}"

    def raw(self) -> dict[str, Any]:
        d = self.date.value
        return {"tool": self.tool.value, "held_by": self.held_by.value,
                "result": self.result.value, "date": d.isoformat() if d else None}

    def load(self, raw: dict[str, Any]) -> None:
        self.tool.value = str(raw.get("tool") or "")
        self.held_by.value = str(raw.get("held_by") or "")
        self.result.value = str(raw.get("result") or "")
        self.date.value = as_date(raw.get("date"), strict=False)

    def model(self) -> PartnerAssessment | None:
        d = self.date.value
        a = PartnerAssessment(tool=self.tool.value.strip(), held_by=self.held_by.value.strip(),
                              result=self.result.value.strip(),
                              date=d.date() if isinstance(d, dt.datetime) else d)
        return None if a == PartnerAssessment() else a


class MappaSection(w.VBox):
    """The MAPPA layer and partner assessments of a plan."""

    def __init__(self, shared: Shared, on_edit: Callable[..., Any],
                 report: Callable[[str], None], catalogue: MappaCatalogue | None = None):
        self.cat = cat = catalogue or load_mappa()
        sh = shared
        self.category = w.Dropdown(options=[(c.label, c.id) for c in cat.categories],
                                   index=None, layout=sh.stacked, style=sh.desc)
        self.level = w.Dropdown(options=[(lv.label, lv.id) for lv in cat.levels], index=None,
                                layout=sh.stacked, style=sh.desc)
        self.lead = w.Text(value="", continuous_update=True, layout=sh.stacked, style=sh.text)
        self.triggers = w.Textarea(value="", rows=3, continuous_update=True, layout=sh.stacked,
                                   style=sh.text)
        self.sharing = w.Textarea(value="", rows=3, continuous_update=True, layout=sh.stacked,
                                  style=sh.text)
        self.fields = {
            "category": Field(self.category, "MAPPA category", size="wide", shared=sh),
            "level": Field(self.level, "MAPPA level", size="wide", shared=sh),
            "lead_agency": Field(self.lead, "Lead agency", "For example police, or probation "
                                 "while he is on licence.", size="wide", shared=sh),
            "level_review_triggers": Field(self.triggers, "What would prompt a review of the "
                                           "MAPPA level", "One per line.", size="wide",
                                           shared=sh),
            "information_sharing": Field(self.sharing, "Information-sharing agreements",
                                         "One per line: who shares what, on what basis.",
                                         size="wide", shared=sh),
        }
        for c in (self.category, self.level, self.lead, self.triggers, self.sharing):
            c.observe(on_edit, names="value")
        self.partners = RowList(lambda: PartnerRow(sh), "Add a partner agency",
                                "No partner agencies yet.", on_edit, report, shared=sh,
                                heading="Partner agencies",
                                hint="Each agency and what it does in the plan.")
        tools = [t.id for t in cat.partner_tools]
        self.assessments = RowList(lambda: AssessmentRow(tools, sh),
                                   "Add a partner assessment", "No partner assessments noted.",
                                   on_edit, report, shared=sh,
                                   heading="Risk assessments held by partners",
                                   hint=ASSESSMENTS_HINT)
        f = self.fields
        intro = sh.html_widget(f'<p class="rso-hint">'
                               f'{esc(MAPPA_HINT)} <span>Source: {esc(cat.title)} '
                               f'(<code>{esc(cat.ref)}</code>) — {esc(cat.provenance.status)}.'
                               '</span></p>')
        super().__init__([intro, f["category"], f["level"], f["lead_agency"], self.partners,
                          f["level_review_triggers"], f["information_sharing"],
                          self.assessments])
        self.add_class("rso-plan-mappa")

    # -- values ------------------------------------------------------------------------------
    def load(self, mappa: MappaLayer | None, assessments: list[PartnerAssessment]) -> None:
        m = mappa or MappaLayer()
        self.category.value = m.category
        self.level.value = m.level
        self.lead.value = m.lead_agency
        self.partners.set_rows([p.model_dump() for p in m.partners])
        self.triggers.value = "\n".join(m.level_review_triggers)
        self.sharing.value = "\n".join(m.information_sharing)
        self.assessments.set_rows([a.model_dump(mode="json") for a in assessments])

    def collect(self) -> tuple[MappaLayer | None, list[PartnerAssessment]]:
        """The layer (None when nothing is entered) and the partner assessments on screen."""
        layer = MappaLayer(
            category=self.category.value, level=self.level.value,
            lead_agency=self.lead.value.strip(),
            partners=[p for p in (r.model() for r in self.partners.rows) if p is not None],
            level_review_triggers=text_lines(self.triggers.value),
            information_sharing=text_lines(self.sharing.value))
        found = [a for a in (r.model() for r in self.assessments.rows) if a is not None]
        return (None if layer == MappaLayer() else layer), found

    # -- problems ------------------------------------------------------------------------------
    def show_problems(self, fields: dict[str, str]) -> None:
        """Each problem (`plan_problems` field → message) beside its control; cleared when
        gone."""
        for key, fld in self.fields.items():
            fld.error = next((m for f, m in fields.items() if f.startswith(f"mappa.{key}")), "")
        for prefix, rows in (("mappa.partners", self.partners.rows),
                             ("partner_assessments", self.assessments.rows)):
            used = [r for r in rows if r.model() is not None]  # type: ignore[attr-defined]
            for r in rows:
                i = used.index(r) if r in used else -1
                msgs = [m for f, m in fields.items()
                        if f == f"{prefix}.{i}" or f.startswith(f"{prefix}.{i}.")]
                html = error_html(" ".join(msgs))
                if r.error.value != html:  # type: ignore[attr-defined]
                    r.error.value = html  # type: ignore[attr-defined]

    def target(self, field: str) -> tuple[str, Any]:
        """(label, control) for a problem's field, for the error summary's links."""
        parts = field.split(".")
        if parts[0] == "mappa" and len(parts) > 1 and parts[1] in self.fields:
            fld = self.fields[parts[1]]
            return fld.label, fld.control
        for prefix, rows in (("partners", self.partners.rows),
                             ("partner_assessments", self.assessments.rows)):
            at = parts[1:] if parts[0] == "mappa" else parts
            if at[0] == prefix and len(at) > 1 and at[1].isdigit():
                used = [r for r in rows if r.model() is not None]  # type: ignore[attr-defined]
                if int(at[1]) < len(used):
                    row = used[int(at[1])]
                    return row.controls[0].description, row.controls[0]
        return field, None
