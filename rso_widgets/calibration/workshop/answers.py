"""A trainee's answers at one workshop case, whichever page they are typed on (the widget page,
`apps/workshop_trainee.py`, and the room page, `serving/room/`): the draft's stored shape, what a
draft or a submission restores, what stops a submission, and the sentences both pages say when
a submission is refused or accepted, or a save is refused because the answers were changed in
another window or device (`conflict_sentence`); and whether a fresh read shows the open case's
answers changed there (`changed_elsewhere`, what the widget page's refresh says:
`elsewhere_notice`). One rule, two views.

Loads the RM2000 engine and pydantic: the package exposes it lazily (the trainee page's first
view does not import it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ...instruments.arms import ARMSAssessment, ArmsCatalogue, Gap
from ...instruments.rm2000 import FieldError, RM2000ValidationError, score
from ...timefmt import clock_text
from ..feedback import Attempt
from .gating import feedback_released
from .submissions import arms_problems

#: The heading over `conflict_sentence` on both pages
CONFLICT_TITLE = "Your changes have not been saved"

#: How the trainee gives their RM2000 result ("Your result"): value, label
OWN_MODES: tuple[tuple[str, str], ...] = (
    ("form", "Work them out from my answers (the form does the arithmetic)"),
    ("own", "I will enter the points and categories myself"),
    ("na", "RM2000 does not apply to this case"),
)
#: The trainee's own result: field → (label, "points" | "category", hint)
OWN_FIELDS: dict[str, tuple[str, str, str]] = {
    "step1_points": ("/S step 1 total points", "points",
                     "Optional. The sum of the three /S item points, for example 3."),
    "step1_category": ("/S step 1 category", "category",
                       "Optional. The category the step-1 total gives, before step 2."),
    "s": ("/S category (after step 2)", "category", "After any raise for aggravating factors."),
    "v_points": ("/V total points", "points", "Optional. The sum of the three /V item points."),
    "v": ("/V category", "category", ""),
    "c": ("/C category", "category", "Combined, from the /S and /V categories."),
}
REQUIRED_CATEGORIES = ("s", "v", "c")


def entered_value(mode: str, typed: Mapping[str, Any]) -> dict[str, Any]:
    """The stored "entered" dict for a mode and what was typed (blank left out; digits become
    whole numbers; anything else is kept as typed, so `entered_problems` can name it)."""
    if mode == "na":
        return {"not_applicable": True}
    if mode != "own":
        return {}
    out: dict[str, Any] = {}
    for name, (_label, kind, _hint) in OWN_FIELDS.items():
        v = typed.get(name)
        if v is None:
            continue
        if kind == "points":
            s = str(v).strip()
            if s:
                out[name] = int(s) if re.fullmatch(r"\d+", s) else s
        elif str(v).strip():
            out[name] = str(v).strip()
    return out


def entered_problems(mode: str, entered: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each problem with the trainee's own result (mode "own" only)."""
    if mode != "own":
        return []
    out = []
    for name, (label, kind, _hint) in OWN_FIELDS.items():
        v = entered.get(name)
        if kind == "points" and v is not None and not (isinstance(v, int) and v >= 0):
            out.append((name, f"Enter the {label} as a whole number of 0 or more, like 3, or "
                              "leave it blank"))
        elif name in REQUIRED_CATEGORIES and v is None:
            out.append((name, f"Select the {label}, or choose another way to give your "
                              "result"))
    return out


@dataclass
class RM2000Check:
    """What stops RM2000 answers being submitted: the engine's problems with the facts, the
    problems with the trainee's own result, and anything else (in plain words)."""

    facts: list[FieldError] = field(default_factory=list)
    entered: list[tuple[str, str]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.facts or self.entered or self.other)


def rm2000_problems(facts: Mapping[str, Any], mode: str, entered: Mapping[str, Any],
                    rs: Any, today: dt.date | None) -> RM2000Check:
    """Every problem with RM2000 answers in one pass (no key involved)."""
    out = RM2000Check(entered=entered_problems(mode, entered))
    try:
        score(dict(facts), ruleset=rs, today=today)
    except RM2000ValidationError as exc:
        out.facts = list(exc.errors)
    if not out:
        try:
            Attempt.model_validate({"facts": dict(facts), "entered": dict(entered) or None})
        except ValidationError:
            out.other.append("Your result could not be read: check Your result and submit again")
    return out


def arms_refusal(problems: list[str]) -> str | None:
    """The line a page shows when ARMS factors are not rated (`submissions.arms_problems`)."""
    if not problems:
        return None
    n = len(problems)
    shown = "; ".join(problems[:4]) + ("; …" if n > 4 else "")
    return (f"Rate every ARMS factor before you submit: {n} factor"
            f"{'s are' if n != 1 else ' is'} not rated yet ({shown}). Choose Insufficient "
            "information where the case file does not tell you.")


def arms_rating_gaps(assessment: ARMSAssessment, cat: ArmsCatalogue) -> list[Gap]:
    """What stops the ARMS part being submitted, on both pages: each factor not rated ("Rate R1
    Sexual preoccupation") or rated with something that is not a rating, at its rating
    (`ratings.R1`). With the notes written without a source (`instruments.arms.
    note_source_problem`), that is all: other gaps (evidence, formulation, priority) are advice,
    since the room is compared on the ratings."""
    out = []
    for text in arms_problems(assessment, cat):
        fid = text.split(" ", 1)[0]
        out.append(Gap(field=f"ratings.{fid}",
                       message=f"Rate {text.removesuffix(': not rated yet')}"
                       if text.endswith(": not rated yet") else text))
    return out


def draft_payload(instruments: Iterable[str], *, facts: Mapping[str, Any] | None = None,
                  evidence: Mapping[str, str] | None = None, mode: str = "form",
                  entered: Mapping[str, Any] | None = None, arms: Mapping[str, Any] | None = None,
                  arms_pending: Mapping[str, Any] | None = None,
                  typed_dates: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """The stored draft of one case's answers: `{"facts", "evidence", "mode", "entered"}` for
    RM2000 (evidence notes only where written; entered None when empty), `{"arms",
    "arms_pending"}` for ARMS (pending: evidence rows typed but not complete yet). Dates are
    ISO strings in the facts and the ARMS value; `typed_dates` (the room page's, only when
    there is one) keeps a date typed as day, month and year that is not a real date yet, by
    its input's name, so it comes back as typed; the widget page does not use it."""
    chosen = tuple(instruments)
    data: dict[str, Any] = {}
    if "rm2000" in chosen:
        data.update(facts=dict(facts or {}),
                    evidence={k: v for k, v in (evidence or {}).items() if v},
                    mode=mode, entered=dict(entered or {}) or None)
    if "arms" in chosen and arms is not None:
        data["arms"] = dict(arms)
        if arms_pending:
            data["arms_pending"] = dict(arms_pending)
    if typed_dates:
        data["typed_dates"] = {k: dict(v) for k, v in typed_dates.items()}
    return data


@dataclass
class Restored:
    """A draft or a submission, read back in the draft's terms."""

    facts: dict[str, Any]
    evidence: dict[str, str]
    mode: str
    entered: dict[str, Any]
    arms: dict[str, Any] | None
    arms_pending: dict[str, Any] | None
    typed_dates: dict[str, dict[str, str]] = field(default_factory=dict)


def restore_parts(data: Any) -> Restored:
    """A draft's or a submission's parts (a submission has no evidence or mode: the mode is
    worked out from what was entered, as when it was typed)."""
    data = data if isinstance(data, Mapping) else {}
    entered = data.get("entered") or {}
    entered = dict(entered) if isinstance(entered, Mapping) else {}
    mode = data.get("mode") or ("na" if entered.get("not_applicable") else
                                "own" if entered else "form")
    facts = data.get("facts") or {}
    evidence = data.get("evidence") or {}
    arms = data.get("arms")
    pending = data.get("arms_pending")
    typed = data.get("typed_dates")
    typed = typed if isinstance(typed, Mapping) else {}
    return Restored(
        facts=dict(facts) if isinstance(facts, Mapping) else {},
        evidence={str(k): str(v) for k, v in evidence.items()}
        if isinstance(evidence, Mapping) else {},
        mode=mode if mode in {m for m, _ in OWN_MODES} else "form",
        entered={k: v for k, v in entered.items() if k != "not_applicable"},
        arms=dict(arms) if isinstance(arms, Mapping) else None,
        arms_pending=dict(pending) if isinstance(pending, Mapping) else None,
        typed_dates={str(k): {p: str(v.get(p) or "") for p in ("day", "month", "year")}
                     for k, v in typed.items() if isinstance(v, Mapping)})


def answers_source(draft: Any, submission: Any, cohort: Any) -> tuple[str | None, Any]:
    """What a case opens with: ("draft", data) while the key is not released, else
    ("submission", attempt) when there is one, else (None, None)."""
    if draft is not None and not feedback_released(cohort):
        return "draft", draft.data
    if submission is not None:
        return "submission", submission.attempt
    return None, None


def refused_sentence(cohort: Any) -> str:
    """What a trainee reads when a submission is refused because the workshop closed."""
    why = ("the trainer has released the key" if feedback_released(cohort)
           else "the trainer has closed the workshop")
    return (f"Not submitted: {why}, so no more answers are accepted. Your answers are kept as "
            "your draft; tell your trainer.")


def submitted_sentence(case_id: str, at: dt.datetime, left: int) -> str:
    """What a trainee reads after submitting a case (`left`: cases still not submitted)."""
    nxt = (f" {left} case{'s' if left != 1 else ''} left: choose the next one."
           if left else " You have submitted every case in this workshop.")
    return (f"Submitted {case_id} at {clock_text(at)}. You can change your answers and submit "
            "again until the workshop closes; the latest counts." + nxt)


def conflict_sentence(changed_at: dt.datetime | None, *, submitting: bool = False,
                      to_see: str | None = "Reload the page", submitted: bool = False) -> str:
    """What a trainee reads when a save (or, `submitting`, a submission) is refused because the
    draft was changed (`changed_at`; None: submitted or deleted) in another window or device
    since their page loaded it (`store.DraftConflict`), or (`submitted`) the answers were
    submitted there at `changed_at`. `to_see`: how this page shows the latest answers (None:
    they are shown below it, as on the room page's check page)."""
    lead = _lead(changed_at, submitted)
    see = "Check the latest answers below" if to_see is None else \
        f"{to_see} to see the latest answers"
    if submitting:
        return f"{lead} Your answers have not been submitted. {see}, then submit them again."
    return (f"{lead} Your changes on this page have not been saved. {see}, then make your "
            "changes again.")


def _lead(at: dt.datetime | None, submitted: bool) -> str:
    if submitted and at is not None:
        return ("These answers were submitted in another window or device at "
                f"{clock_text(at)}.")
    if at is None:
        return "These answers were submitted or changed in another window or device."
    return ("These answers were changed in another window or device at "
            f"{clock_text(at)}.")


#: The heading over `elsewhere_notice` when nothing typed on the page has been lost yet
NOT_SAVING_TITLE = "Changes on this page are not being saved"


@dataclass(frozen=True)
class ChangedElsewhere:
    """How the answers at an open case changed in another window or device since the page
    opened (or last saved) them: submitted there at `at`, or (`submitted` False) the draft
    saved there at `at` (None: the draft is gone, submitted or deleted)."""

    at: dt.datetime | None
    submitted: bool = False


def changed_elsewhere(revision: dt.datetime | None, known: Any, draft: Any,
                      latest: Any) -> ChangedElsewhere | None:
    """Whether the open case's answers changed elsewhere, from a fresh read: `revision`, the
    draft's revision the page opened or last saved (None: it had no draft); `known`, the
    latest submission the page knew of (None: none); `draft` and `latest`, the stored draft
    and latest submission now (each None when there is none). A draft saved after the latest
    submission is the latest answers; else a submission the page did not know of is."""
    now = None if draft is None else draft.updated_at
    moved = now != revision
    new = latest is not None and (known is None or latest.id != known.id)
    if not moved and not new:
        return None
    if new and (not moved or now is None or now <= latest.created_at):
        return ChangedElsewhere(latest.created_at, submitted=True)
    return ChangedElsewhere(now)


def elsewhere_notice(change: ChangedElsewhere, *, unsaved: bool, submitting: bool = False,
                     to_see: str) -> tuple[str, str]:
    """(heading, sentence) for a page that has found `change` (a refresh's read, or a save
    refused by the store): while something typed on it is not saved (`unsaved`) or a
    submission was refused (`submitting`), `conflict_sentence`'s; else that from now on
    changes made on it are not saved until the latest answers are seen (`to_see`)."""
    if unsaved or submitting:
        return CONFLICT_TITLE, conflict_sentence(change.at, submitting=submitting,
                                                 to_see=to_see, submitted=change.submitted)
    return NOT_SAVING_TITLE, (f"{_lead(change.at, change.submitted)} {to_see} to see the "
                              "latest answers: until then, changes you make on this page are "
                              "not saved.")
