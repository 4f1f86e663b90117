"""Values reflection and wellbeing check-ins: the data files behind them, checking answers, how a
person's own answers changed, when to point to support, and team counts that hide individuals.

Neither form is a test: nothing here scores a person or calls anyone suitable or unsuitable.
Answers are the chosen option ids (and, for the values reflection, the person's own words);
a stored result names the file's `id@version` that asked the questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from ..freetext import MAX_TEXT, text_problem
from ..instruments.datafile import load_model
from ..instruments.ruleset import RULESET_DIR
from ..settings import get_settings
from .lists import Option, _Strict, _unique, _Versioned
from .validation import Problem

VALUES, WELLBEING = "values", "wellbeing"
KINDS = (VALUES, WELLBEING)
DEFAULT_VALUES = RULESET_DIR / "values_reflection.yaml"
DEFAULT_WELLBEING = RULESET_DIR / "wellbeing.yaml"
DEFAULT_SIGNPOSTS = RULESET_DIR / "signposts.yaml"
NOT_A_TEST = ("This is not a test and gives no score. Nothing here decides whether anyone is "
              "suitable for this work.")


class Theme(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    hint: str = ""


class Item(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    theme: str
    scenario: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    prompt: str = Field(min_length=1)


class ValuesReflection(_Versioned):
    """Scenario items grouped by theme, each answered on one agreement scale, with the
    person's own words on the prompt."""

    scale: list[Option] = Field(min_length=2)
    themes: list[Theme] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ValuesReflection:
        _unique(self.scale, "scale")
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"items: ids must be unique: {ids}")
        themes = {t.id for t in self.themes}
        for item in self.items:
            if item.theme not in themes:
                raise ValueError(f"items: {item.id} names an unknown theme {item.theme!r}")
        empty = themes - {i.theme for i in self.items}
        if empty:
            raise ValueError(f"themes with no items: {sorted(empty)}")
        if "not_a_test" not in self.provenance:
            raise ValueError("provenance: say that this is not a test (not_a_test)")
        return self

    def items_of(self, theme: str) -> list[Item]:
        return [i for i in self.items if i.theme == theme]

    def label(self, option: str | None) -> str:
        return next((o.label for o in self.scale if o.id == option), "Not answered")

    def position(self, option: str | None) -> int | None:
        ids = [o.id for o in self.scale]
        return ids.index(option) if option in ids else None


class Choice(Option):
    needs_support: bool = False


class Question(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    options: list[Choice] = Field(min_length=2)


class WellbeingCheckin(_Versioned):
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> WellbeingCheckin:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"questions: ids must be unique: {ids}")
        for q in self.questions:
            _unique(q.options, f"questions.{q.id}.options")
        if "not_a_test" not in self.provenance:
            raise ValueError("provenance: say that this is not a test (not_a_test)")
        return self

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)


class Service(_Strict):
    name: str = Field(min_length=1)
    what: str = Field(min_length=1)
    how: str = Field(min_length=1)


class Signposts(_Versioned):
    services: list[Service] = Field(min_length=1)


@lru_cache(maxsize=8)
def _load(path: Path, kind: type[_Versioned], what: str) -> _Versioned:
    return load_model(path, kind, what)


def load_values_reflection(path: str | Path | None = None) -> ValuesReflection:
    out = _load(Path(path) if path else DEFAULT_VALUES, ValuesReflection, "values reflection")
    assert isinstance(out, ValuesReflection)
    return out


def load_wellbeing(path: str | Path | None = None) -> WellbeingCheckin:
    out = _load(Path(path) if path else DEFAULT_WELLBEING, WellbeingCheckin, "wellbeing check-in")
    assert isinstance(out, WellbeingCheckin)
    return out


def load_signposts(path: str | Path | None = None) -> Signposts:
    """Where to find support (default: settings.signposts, a force's own file, else shipped)."""
    if path is None:
        path = get_settings().signposts
    out = _load(Path(path) if path else DEFAULT_SIGNPOSTS, Signposts, "signposts")
    assert isinstance(out, Signposts)
    return out


def form_for(kind: str) -> ValuesReflection | WellbeingCheckin:
    if kind == VALUES:
        return load_values_reflection()
    if kind == WELLBEING:
        return load_wellbeing()
    raise ValueError(f"unknown kind of reflection {kind!r}: use {' or '.join(KINDS)}")


# -- answers -----------------------------------------------------------------------------------

def values_problems(form: ValuesReflection, answers: Mapping[str, Any]) -> list[Problem]:
    """Every problem with a values reflection at once. `answers`: item id → {"choice": scale
    option id, "notes": own words (optional)}."""
    problems: list[Problem] = []
    scale = {o.id for o in form.scale}
    unknown = sorted(set(answers) - {i.id for i in form.items})
    if unknown:
        problems.append(Problem("answers", f"unknown items {unknown}", "answer only the "
                                "questions this reflection asks"))
    for item in form.items:
        answer = answers.get(item.id) or {}
        if not isinstance(answer, Mapping):
            answer = {}
        if answer.get("choice") not in scale:
            problems.append(Problem(item.id, f"choose how far you agree with \"{item.statement}\"",
                                    "choose one answer, or 'Not sure'"))
        notes = answer.get("notes") or ""
        wrong = (("is not text", "type it as text") if not isinstance(notes, str)
                 else text_problem(notes, MAX_TEXT))
        if wrong:
            problems.append(Problem(f"{item.id}.notes", f"your thoughts on \"{item.statement}\" "
                                    f"{wrong[0]}", wrong[1]))
    return problems


def wellbeing_problems(form: WellbeingCheckin, answers: Mapping[str, Any]) -> list[Problem]:
    """Every problem with a check-in at once. `answers`: question id → option id."""
    problems: list[Problem] = []
    unknown = sorted(set(answers) - {q.id for q in form.questions})
    if unknown:
        problems.append(Problem("answers", f"unknown questions {unknown}", "answer only the "
                                "questions this check-in asks"))
    for q in form.questions:
        if answers.get(q.id) not in {o.id for o in q.options}:
            problems.append(Problem(q.id, f"choose an answer to \"{q.label}\"",
                                    "choose the answer closest to how things are"))
    return problems


def needs_support(form: WellbeingCheckin, answers: Mapping[str, str]) -> list[str]:
    """The questions whose answers suggest the person may want support (their labels)."""
    out = []
    for q in form.questions:
        chosen = next((o for o in q.options if o.id == answers.get(q.id)), None)
        if chosen is not None and chosen.needs_support:
            out.append(q.label)
    return out


@dataclass(frozen=True)
class Change:
    """How one of a person's answers moved between two of their reflections."""

    item: str
    statement: str
    before: str
    after: str
    direction: str  # "more agreement", "less agreement", "the same", "changed"


def changes(form: ValuesReflection, before: Mapping[str, Any],
            after: Mapping[str, Any]) -> list[Change]:
    """Item by item, how the person's own choices changed (their words are theirs to read)."""
    out = []
    for item in form.items:
        b = (before.get(item.id) or {}).get("choice")
        a = (after.get(item.id) or {}).get("choice")
        pb, pa = form.position(b), form.position(a)
        unsure = {"unsure"}
        if b == a:
            direction = "the same"
        elif pb is None or pa is None or b in unsure or a in unsure:
            direction = "changed"
        else:
            direction = "more agreement" if pa > pb else "less agreement"
        out.append(Change(item.id, item.statement, form.label(b), form.label(a), direction))
    return out


@dataclass(frozen=True)
class QuestionCounts:
    question: str
    counts: tuple[tuple[str, int], ...]  # (option label, how many people), in option order


@dataclass(frozen=True)
class TeamWellbeing:
    """Counts across a team's latest check-ins, or why they are withheld."""

    people: int
    questions: tuple[QuestionCounts, ...]
    withheld: str = ""


def team_wellbeing(form: WellbeingCheckin, latest: Iterable[Mapping[str, str]],
                   min_group: int) -> TeamWellbeing:
    """How many people chose each answer, from each person's latest check-in (one per person);
    nothing at all when fewer than `min_group` people answered."""
    rows: Sequence[Mapping[str, str]] = list(latest)
    if len(rows) < min_group:
        return TeamWellbeing(len(rows), (), withheld=(
            f"Not shown: fewer than {min_group} people in the team have done a check-in, so "
            "answers could be traced to a person."))
    questions = []
    for q in form.questions:
        counts = tuple((o.label, sum(1 for r in rows if r.get(q.id) == o.id)) for o in q.options)
        questions.append(QuestionCounts(q.label, counts))
    return TeamWellbeing(len(rows), tuple(questions))
