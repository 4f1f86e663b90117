"""The case editor's form: one input per field of a case, bound to its place in the draft (a
plain mapping, as a case file holds). Short fields are text boxes, choices are selects and
checkboxes; lists of records (the sentencing occasions, the ARMS key) are edited as YAML in a
text area, with an example in the hint. A view: the rules are `cases.editing`'s.

A section's inputs are built when it is first shown (`section(key)`); until then each input's
value is held as the text (or choice) the input would show, so the draft (`value`) reads the
same whether a section was opened or not."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import yaml

from ..cases.errors import CaseError
from ..cases.loader import read_yaml
from ..cases.schema import OBJECTIVES, Rationale
from .checkboxes import Checkboxes
from .fields import Field, Shared

Path_ = tuple[str, ...]
BACKGROUND = ("relationships", "family_and_friends", "work", "housing", "health", "interests")
YES_NO = [("Yes", True), ("No", False)]
CATEGORIES = ["Low", "Medium", "High", "Very High"]
NOT_APPLICABLE = ["sex", "age", "no-sexual-conviction", "sexual-offence-under-17"]
RECORD_EXAMPLE = """occasions:
  - date: 2019-07-15
    disposal: conviction
    court: a Crown Court in the North West
    offences:
      - name: Sexual assault
        offence_date: 2018-11-20
        sexual: true
        victim: {sex: female, age_band: adult, relationship: colleague}
    sentence: "2 years' imprisonment; notification requirements for 10 years\""""


@dataclass
class Spec:
    """One input before it is built: its section, where its value lives in the draft, how to
    make it, and what it accepts. `kind`: text, int, choice, list (checkboxes), yaml (a nested
    part written as YAML); `values`: a choice's or a list's values; `bounds`: an int's."""

    section: str
    path: Path_
    make: Callable[[], w.Widget]
    label: str
    hint: str = ""
    kind: str = "text"
    size: str = "medium"
    optional: bool = False  # left out of the draft when empty
    values: tuple[Any, ...] = ()
    bounds: tuple[int, int] = (0, 0)

    def shown(self, value: Any) -> Any:
        """What the input shows for a draft's `value` (what writing it there gives)."""
        if self.kind == "yaml":
            return "" if value in (None, {}, []) else yaml.safe_dump(
                value, sort_keys=False, allow_unicode=True, width=90)
        if self.kind == "list":
            ticked = tuple(value or ())
            unknown = set(ticked) - set(self.values)
            if unknown:  # as the checkboxes refuse it
                raise ValueError(f"not among the options: {sorted(map(str, unknown))}")
            return ticked
        if self.kind == "text":
            return "" if value is None else str(value)
        if self.kind == "int":
            n = value if isinstance(value, int) and not isinstance(value, bool) else 0
            return min(max(n, self.bounds[0]), self.bounds[1])  # as the bounded box clamps
        return value if value in self.values else None  # a choice: None when not offered

    def read(self, raw: Any) -> tuple[Any, str | None]:
        """(the draft's value of what the input shows, or a problem with the text as typed)."""
        if self.kind == "yaml":
            text = (raw or "").strip()
            if not text:
                return None, None
            try:  # the case loader's own reader: dates kept as text, duplicate keys refused
                return read_yaml(text, "this box"), None
            except CaseError as exc:
                p = exc.problems[0]
                return None, f"{p.field}: {p.message} — {p.fix} (see the example above)"
        if self.kind == "list":
            return list(raw), None
        if self.kind == "text":
            return raw.strip(), None
        return raw, None


@dataclass
class Binding:
    """One built input and where its value lives in the draft."""

    path: Path_
    field: Field
    kind: str
    optional: bool = False
    spec: Spec | None = None

    def read(self) -> tuple[Any, str | None]:
        """(value, or a problem with the text as typed)."""
        assert self.spec is not None
        return self.spec.read(self.field.control.value)

    def write(self, value: Any) -> None:
        assert self.spec is not None
        self.field.control.value = self.spec.shown(value)


def _text_box(long: bool, rows: int = 4) -> w.Widget:
    if long:
        return w.Textarea(rows=rows)
    return w.Text()


def _values(options: list[Any]) -> tuple[Any, ...]:
    return tuple(v for _, v in options) if options and isinstance(options[0], tuple) \
        else tuple(options)


def _date_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ("" if value is None
                                                                  else str(value))


class CaseForm:
    """Every input of the editor, grouped into the editor's sections (`section(key)`: the
    widgets of that section, built the first time), and the draft they hold (`value`, `set`).
    `bindings`: the inputs built so far."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.shared = Shared()
        self.specs: list[Spec] = []
        self.bindings: list[Binding] = []
        self._held: dict[Path_, Any] = {}  # what each input not built yet shows
        self._on_change = on_change
        self._loading = False
        self._sections: dict[str, list[w.Widget]] = {}
        self._build()
        for spec in self.specs:
            self._held[spec.path] = spec.shown(None)

    # -- inputs --------------------------------------------------------------------------------
    def _add(self, section: str, path: Path_, make: Callable[[], w.Widget], label: str,
             hint: str = "", kind: str = "text", size: str = "medium", optional: bool = False,
             values: tuple[Any, ...] = (), bounds: tuple[int, int] = (0, 0)) -> None:
        self.specs.append(Spec(section, path, make, label, hint, kind, size, optional, values,
                               bounds))

    def _text(self, section: str, path: Path_, label: str, hint: str = "", *,
              long: bool = False, optional: bool = False) -> None:
        self._add(section, path, functools.partial(_text_box, long), label, hint,
                  size="wide" if long else "medium", optional=optional)

    def _choice(self, section: str, path: Path_, label: str, options: list[Any],
                hint: str = "", optional: bool = False) -> None:
        self._add(section, path, functools.partial(w.Dropdown, options=options, index=None),
                  label, hint, kind="choice", optional=optional, values=_values(options))

    def _number(self, section: str, path: Path_, label: str, most: int, hint: str = "") -> None:
        self._add(section, path, functools.partial(w.BoundedIntText, min=0, max=most), label,
                  hint, kind="int", size="narrow", bounds=(0, most))

    def _yaml(self, section: str, path: Path_, label: str, hint: str,
              optional: bool = False) -> None:
        self._add(section, path, functools.partial(_text_box, True, 12), label, hint,
                  kind="yaml", size="wide", optional=optional)

    def section(self, key: str) -> list[w.Widget]:
        """The inputs of section `key`, built (showing the draft's values) the first time."""
        if key not in self._sections:
            fields = []
            for spec in (s for s in self.specs if s.section == key):
                control = spec.make()
                if hasattr(control, "continuous_update"):
                    control.continuous_update = False  # check when the person leaves the box
                field = Field(control, spec.label, spec.hint, name=".".join(spec.path),
                              size=spec.size, shared=self.shared)
                self._loading = True
                try:
                    control.value = self._held.pop(spec.path)
                finally:
                    self._loading = False
                control.observe(self._changed, names="value")
                self.bindings.append(Binding(spec.path, field, spec.kind, spec.optional, spec))
                fields.append(field)
            self._sections[key] = fields
        return self._sections[key]

    @property
    def sections(self) -> dict[str, list[w.Widget]]:
        """Every section's inputs (builds them all: `section(key)` builds one)."""
        return {key: self.section(key) for key in dict.fromkeys(s.section for s in self.specs)}

    def _build(self) -> None:
        self._text("about", ("id",), "Case id", "TC- and a number. Your own cases start at "
                   "TC-101.")
        self._text("about", ("title",), "Title", "What a trainee sees in the list of cases.")
        self._choice("about", ("difficulty",), "Difficulty",
                     ["introductory", "intermediate", "advanced"])
        self._add("about", ("learning_objectives",), functools.partial(
            Checkboxes, options=[(text, key) for key, text in OBJECTIVES.items()]),
            "What the case teaches", "Tick each one the case really tests: the checks confirm "
            "the facts and the key bear it out.", kind="list", values=tuple(OBJECTIVES))
        self._text("about", ("assessment_date",), "Assessment date", "YYYY-MM-DD, for example "
                   "2025-10-06.")
        self._yaml("about", ("legal_sources",), "Sources for points of law",
                   "Optional. A list of {point, source} pairs, for example:\n- point: release "
                   "at the halfway point\n  source: Criminal Justice Act 2003 s.244",
                   optional=True)
        self._text("person", ("person", "name"), "Name", "Invented, and following the naming "
                   "rule in training_cases/README.md: never a common first name with a common "
                   "surname. Checked as you type.")
        self._choice("person", ("person", "sex"), "Sex", ["male", "female"])
        self._text("person", ("person", "date_of_birth"), "Date of birth", "YYYY-MM-DD.")
        self._number("person", ("person", "age"), "Age at the assessment date", 110,
                     "Checked against the dates.")
        for part in BACKGROUND:
            self._text("person", ("person", "background", part),
                       part.replace("_", " ").capitalize(), long=True)
        self._yaml("person", ("person", "relationship_history"), "Relationship history",
                   "Optional. Adult relationships: partner, kind (married, civil-partnership, "
                   "cohabited, not-cohabiting), start and end dates. Used to code 'single'.",
                   optional=True)
        self._yaml("record", ("history",), "The record", "Every sentencing occasion, caution "
                   "or allegation on the record, oldest first, at the level of a charge sheet "
                   "(never graphic detail). For example:\n" + RECORD_EXAMPLE)
        for part, label in (("summary", "Summary"), ("officer_notes", "Officer's notes"),
                            ("partner_agency", "Partner agency"),
                            ("interview_summary", "Interview summary")):
            self._text("documents", ("documents", part), label, long=True)
        self._text("documents", ("documents", "record_notes"), "Notes on the record",
                   "Optional.", long=True, optional=True)
        self._build_key()
        self._yaml("arms", ("arms_key",), "ARMS key", "Optional: leave empty for an RM2000-only "
                   "case. Ratings for every factor with evidence and rationale, the "
                   "formulation and the priority — copy a shipped case's to see the shape.",
                   optional=True)
        self._yaml("arms", ("plan_key",), "Model risk management plan", "Optional; needs the "
                   "ARMS key.", optional=True)

    def _build_key(self) -> None:
        facts = ("key", "facts")
        self._text("rm2000", (*facts, "commencement_date"), "Commencement of risk",
                   "YYYY-MM-DD: release from custody, or the start of a community sentence.")
        for name, label in (("sexual_appearances", "Sexual appearances"),
                            ("criminal_appearances", "Criminal appearances"),
                            ("violent_appearances", "Non-sexual violent appearances")):
            self._number("rm2000", (*facts, name), label, 300)
        for name, label in (("burglary", "Any conviction for burglary"),
                            ("male_victim", "A sexual offence against a male"),
                            ("stranger_victim", "A sexual offence against a stranger"),
                            ("non_contact", "A non-contact sexual offence"),
                            ("single", "Single (never married or cohabited 2 years or more)"),
                            ("sexual_offence_aged_17_plus",
                             "A sexual offence committed aged 17 or over")):
            self._choice("rm2000", (*facts, name), label, YES_NO)
        expected = ("key", "expected")
        self._choice("rm2000", (*expected, "applicable"), "RM2000 applies", YES_NO)
        self._choice("rm2000", (*expected, "not_applicable_because"), "If not, why not",
                     NOT_APPLICABLE, "Only when RM2000 does not apply.", optional=True)
        self._number("rm2000", (*expected, "step1_points"), "Step 1 points", 20)
        self._choice("rm2000", (*expected, "step1_category"), "Step 1 category", CATEGORIES,
                      optional=True)
        self._number("rm2000", (*expected, "aggravating_factors"), "Aggravating factors", 4)
        for name in ("s", "v", "c"):
            self._choice("rm2000", (*expected, name), f"/{name.upper()} category", CATEGORIES,
                         optional=True)
        for name in Rationale.model_fields:
            self._text("rm2000", ("key", "rationale", name),
                       f"Why: {name.replace('_', ' ')}", "Written for a learner."
                       if name == "eligibility" else "Written for a learner. Optional.",
                       long=True, optional=name != "eligibility")

    # -- the draft -----------------------------------------------------------------------------
    def _changed(self, _change: Any = None) -> None:
        if not self._loading:
            self._on_change()

    @property
    def value(self) -> tuple[dict[str, Any], list[tuple[Binding, str]]]:
        """(the draft, problems with text as typed: each binding and the message)."""
        draft: dict[str, Any] = {"schema_version": 1, "fictional": True}
        typed: list[tuple[Binding, str]] = []
        for spec in self.specs:
            b = None if spec.path in self._held else self.built(spec)
            value, problem = spec.read(b.field.control.value if b else self._held[spec.path])
            if problem:  # an input at fault is built, to show it there
                bound = b or self.binding(".".join(spec.path))
                if bound is not None:
                    typed.append((bound, problem))
                continue
            if spec.optional and value in (None, "", [], {}):
                continue
            node = draft
            for part in spec.path[:-1]:
                node = node.setdefault(part, {})
            node[spec.path[-1]] = value
        expected = draft.get("key", {}).get("expected", {})
        if expected.get("applicable") is False:  # nothing is scored: leave the scores out
            for name in ("step1_points", "step1_category", "aggravating_factors", "s", "v", "c"):
                expected.pop(name, None)
        return draft, typed

    def set(self, data: dict[str, Any]) -> None:
        """Show a draft (a case file's data) in the inputs."""
        built = {b.path: b for b in self.bindings}
        self._loading = True
        try:
            for spec in self.specs:
                node: Any = data
                for part in spec.path:
                    node = node.get(part) if isinstance(node, dict) else None
                if spec.path[-1] in ("assessment_date", "date_of_birth", "commencement_date"):
                    node = _date_text(node)
                b = built.get(spec.path)
                if b is None:
                    self._held[spec.path] = spec.shown(node)
                else:
                    b.write(node)
                    b.field.error = ""
        finally:
            self._loading = False

    def spec_of(self, path: str) -> Spec | None:
        """The input for a problem's field path, or the nearest one above it (not built)."""
        parts = tuple(path.replace("[", ".").replace("]", "").split("."))
        while parts:
            for spec in self.specs:
                if spec.path == parts:
                    return spec
            parts = parts[:-1]
        return None

    def built(self, spec: Spec) -> Binding | None:
        """The input of `spec` if its section is built."""
        return next((b for b in self.bindings if b.path == spec.path), None)

    def binding(self, path: str) -> Binding | None:
        """The input for a problem's field path, or the nearest one above it (its section
        built now if it was not yet)."""
        spec = self.spec_of(path)
        if spec is None:
            return None
        self.section(spec.section)
        return self.built(spec)
