"""The answers of RM2000, ARMS and the plan, each form built only when a task-list section
first shows it (ARMS practice, the ARMS assessment and the live assessment).

A page used to build all three forms (about 600 widgets, well over a thousand kernel messages)
before anyone saw its task list. Now each part holds its answers as domain values
(`instruments`) until its form is asked for (`.form`); then the form is built from them and is
the answers from then on. Everything the task list needs before then — statuses, summaries,
payloads, drafts, gaps and plan problems — is read from the domain values, with the same
engine functions the forms call, so a loaded draft shows the right statuses and its values
when its section is opened. What only a form can do (show an error beside its field, give a
control to focus) builds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..instruments.arms import (
    ARMSAssessment,
    ArmsCatalogue,
    FactorRating,
    Gap,
    check,
    load_arms_catalogue,
)
from ..instruments.plan import RiskManagementPlan, plan_problems
from ..instruments.plan_quality import evaluate, load_rubric
from ..instruments.rm2000 import RM2000Result, RM2000ValidationError, score
from ..instruments.ruleset import load_rm2000_ruleset
from ..settings import get_settings
from ..widgets.arms_factor import factor_of, in_page_order, note_gaps
from ..widgets.arms_form import ARMSForm
from ..widgets.dates import as_date
from ..widgets.plan_builder import PlanBuilder
from ..widgets.plan_checks import unaddressed_in
from ..widgets.rm2000_form import RM2000Form, check_facts
from .deferred import Deferred


class RM2000Answers(Deferred[Any]):
    """RM2000's facts, evidence notes and result; `form` is the `RM2000Form` showing them."""

    def __init__(self, today: dt.date | None = None):
        super().__init__(self._build)
        self.rs = load_rm2000_ruleset(get_settings().rm2000_ruleset)
        self.today = today
        self._facts: dict[str, Any] = {}
        self._evidence: dict[str, str] = {}
        self._result: RM2000Result | None = None
        self._then: str | None = None  # on building: "stored" (show_stored) or "score"

    def _build(self) -> Any:
        form = RM2000Form(ruleset=self.rs, today=self.today)
        if self._facts or self._evidence:
            form.set_facts(self._facts, self._evidence or None)
        if self._result is not None:  # as held (scored on loading, or stored): not again
            form.show_stored(self._result)
        elif self._then == "score":
            form.submit()  # the engine's errors, beside their fields
        return form

    @property
    def value(self) -> dict[str, Any]:
        return dict(self._widget.value) if self._widget is not None else dict(self._facts)

    @property
    def evidence(self) -> dict[str, str]:
        return dict(self._widget.evidence) if self._widget is not None else dict(self._evidence)

    @property
    def result(self) -> RM2000Result | None:
        return self._widget.result if self._widget is not None else self._result

    def set_facts(self, facts: dict[str, Any], evidence: dict[str, str] | None = None) -> None:
        """`RM2000Form.set_facts`: the same ValueError for what the form cannot hold."""
        if self._widget is not None:
            self._widget.set_facts(facts, evidence)
            return
        facts = dict(facts or {})
        check_facts(facts, evidence)
        self._facts = facts
        self._evidence = {k: str(v) for k, v in (evidence or {}).items()}
        self._result, self._then = None, None

    def show_stored(self, result: RM2000Result) -> None:
        """`RM2000Form.show_stored`: a stored result as recorded."""
        if self._widget is not None:
            self._widget.show_stored(result)
            return
        self._result, self._then = result, "stored"

    def rescore(self) -> RM2000Result | None:
        """Score the answers again (the form's `submit`); errors show when the form is built."""
        if self._widget is not None:
            return self._widget.submit()
        try:
            self._result = score(dict(self._facts), ruleset=self.rs, today=self.today)
        except RM2000ValidationError:
            self._result = None
        self._then = "score"
        return self._result


def blank_ratings(cat: ArmsCatalogue) -> ARMSAssessment:
    """An assessment with every factor unrated: what a new `ARMSForm` holds."""
    return ARMSAssessment(catalogue=cat.ref, ratings={f.id: FactorRating() for f in cat.factors})


class HeldAnswers(Deferred[Any]):
    """Answers held as a domain value plus the unfinished rows as typed (`pending`) until the
    form is built; from then on, the form's (ARMS and the plan)."""

    _value: Any
    _pending: dict[str, list[dict[str, Any]]]

    @property
    def value(self) -> Any:
        return self._widget.value if self._widget is not None else self._value

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        if self._widget is not None:
            return self._widget.pending()
        return {k: [dict(r) for r in rows] for k, rows in self._pending.items() if rows}

    def set_value(self, value: Any,
                  pending: dict[str, list[dict[str, Any]]] | None = None) -> None:
        if self._widget is not None:
            self._widget.set_value(value, pending)
        else:
            self._value, self._pending = value, dict(pending or {})


class ARMSAnswers(HeldAnswers):
    """An ARMS assessment with its unfinished evidence notes; `form` is the `ARMSForm`.
    `value_changed` listeners hear every new value (a held one set, or the form's)."""

    def __init__(self, catalogue: ArmsCatalogue | None = None, *, date_editable: bool = True):
        super().__init__(self._build)
        self.cat = catalogue or load_arms_catalogue()
        self.date_editable = date_editable
        self.check_hint = ""  # the form's, when a page lists what is left its own way
        self._value = blank_ratings(self.cat)
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._checked = False  # show_check ran: the form shows its gaps when built
        self.value_changed: list[Callable[[ARMSAssessment], None]] = []

    def _build(self) -> Any:
        form = ARMSForm(self.cat, date_editable=self.date_editable)
        if self.check_hint:
            form.check_hint = self.check_hint
        form.set_value(self._value, self._pending)
        if self._checked:
            form.show_check()
        form.observe(lambda change: self._tell(change["new"]), names="value")
        return form

    def _tell(self, value: ARMSAssessment) -> None:
        for listener in self.value_changed:
            listener(value)

    def set_value(self, value: ARMSAssessment,
                  pending: dict[str, list[dict[str, Any]]] | None = None) -> None:
        super().set_value(value, pending)
        if self._widget is None:  # the form tells its own changes (`_build`)
            self._tell(value)

    def reset(self, value: ARMSAssessment | None = None) -> None:
        if self._widget is not None:
            self._widget.reset(value)
            return
        self._value = value or ARMSAssessment(catalogue=self.cat.ref)
        self._pending, self._checked = {}, False
        self._tell(self._value)

    def set_static_context(self, ctx: Any) -> None:
        if self._widget is not None:
            self._widget.set_static_context(ctx)
            return
        self._value = self._value.model_copy(update={"rm2000": ctx})
        self._tell(self._value)

    def _note_gaps(self, *, written_only: bool = False) -> list[Gap]:
        """The held unfinished notes' gaps, numbered as the form shows them (after the
        factor's evidence)."""
        factors = {f.id: f for f in self.cat.factors}
        out: list[Gap] = []
        for fid, rows in self._pending.items():
            if fid not in factors:
                continue
            rating = self._value.ratings.get(fid)
            first = len(rating.evidence) if rating is not None else 0
            for j, raw in enumerate(rows):
                what = str(raw.get("what") or "")
                if written_only and not what.strip():
                    continue
                out += note_gaps(factors[fid], first + j, what, raw.get("source") or None,
                                 as_date(raw.get("date"), strict=False))
        return out

    @property
    def gaps(self) -> list[Gap]:
        """`ARMSForm.gaps`: the engine's `check()` and the unfinished notes, in page order."""
        if self._widget is not None:
            return list(self._widget.gaps)
        ids = [f.id for f in self.cat.factors]
        return in_page_order(check(self._value, self.cat) + self._note_gaps(), ids)

    def factor_gaps(self, fid: str) -> list[Gap]:
        return [g for g in self.gaps if factor_of(g.field) == fid]

    def unfinished_notes(self) -> list[Gap]:
        """`ARMSForm.unfinished_notes`."""
        if self._widget is not None:
            return self._widget.unfinished_notes()
        return self._note_gaps(written_only=True)

    def show_check(self) -> list[Gap]:
        """`ARMSForm.show_check`; the form is built only when there is something to show."""
        if self._widget is None and not self.gaps:
            self._checked = True
            return []
        return self.form.show_check()


class PlanAnswers(HeldAnswers):
    """A risk management plan with its unfinished rows, against an ARMS assessment (`arms`);
    `form` is the `PlanBuilder`."""

    def __init__(self, catalogue: ArmsCatalogue, arms: ARMSAssessment):
        super().__init__(self._build)
        self.cat = catalogue
        self.rubric = load_rubric()
        self.pillar_labels = {p.id: p.label for p in self.rubric.pillars}
        self._arms = arms
        self._value = RiskManagementPlan()
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._checked = False
        self._assessed_on: dt.date | None = None
        self._profile: tuple[Any, Any, Any] | None = None  # (plan, arms, profile) last evaluated

    def _build(self) -> Any:
        form = PlanBuilder(arms=self._arms, value=self._value, catalogue=self.cat,
                           rubric=self.rubric)
        if self._pending:
            form.set_value(self._value, self._pending)
        if self._checked:
            form.show_problems(self._assessed_on)
        return form

    @property
    def arms(self) -> ARMSAssessment:
        return self._widget.arms if self._widget is not None else self._arms

    @arms.setter
    def arms(self, value: ARMSAssessment) -> None:
        if self._widget is not None:
            self._widget.arms = value
        else:
            self._arms = value

    def reset(self, value: RiskManagementPlan | None = None) -> None:
        if self._widget is not None:
            self._widget.reset(value)
        else:
            self._value, self._pending = value or RiskManagementPlan(), {}
            self._checked = False

    def find_problems(self) -> list[Gap]:
        """`PlanBuilder.find_problems`: `plan_problems()` against the assessment date."""
        if self._widget is not None:
            return self._widget.find_problems()
        when = self._assessed_on or self._arms.assessed_on
        return plan_problems(self._value, when, {f.id for f in self.cat.factors})

    def unaddressed(self) -> list[str]:
        """`PlanBuilder.unaddressed`: the rubric's factors still without an action."""
        if self._widget is not None:
            return self._widget.unaddressed()
        last = self._profile
        if last is None or last[0] is not self._value or last[1] is not self._arms:
            prof = evaluate(self._value, self._arms, {}, rubric=self.rubric, cat=self.cat)
            self._profile = last = (self._value, self._arms, prof)
        return unaddressed_in(last[2])

    def show_problems(self, assessed_on: dt.date | None = None) -> list[Gap]:
        """`PlanBuilder.show_problems`; the form is built only when there is one to show."""
        if self._widget is None:
            if assessed_on is not None:
                self._assessed_on = assessed_on
            self._checked = True
            if not self.find_problems():
                return []
        return self.form.show_problems(assessed_on)
