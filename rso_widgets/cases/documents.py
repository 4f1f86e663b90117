"""The case file a trainee reads, in order, with the record printout built from the history.

The printout is generated from the structured sentencing history, so it can never disagree with
the key. It shows what a charge-sheet level record shows (no type flags: judging those is the
trainee's task).
"""

from __future__ import annotations

from .schema import HistoryOffence, TrainingCase

DISPOSAL_LABELS = {
    "conviction": "Conviction",
    "caution": "Simple caution (not a conviction)",
    "youth-caution": "Youth caution (not a conviction)",
    "reprimand": "Reprimand (not a conviction)",
    "final-warning": "Final warning (not a conviction)",
    "alleged": "Allegation (not a conviction)",
    "no-further-action": "No further action (not a conviction)",
    "acquitted": "Acquitted (not a conviction)",
}
AGE_BANDS = {"under-13": "child under 13", "13-15": "child aged 13–15",
             "16-17": "young person aged 16–17", "adult": "adult"}


def _victim(offence: HistoryOffence) -> str:
    v = offence.victim
    return f"; victim: {v.sex}, {AGE_BANDS[v.age_band]}" if v else ""


def record_printout(case: TrainingCase) -> str:
    """A plain-text record of convictions and other disposals, oldest first."""
    p = case.person
    lines = [f"RECORD PRINTOUT — FICTIONAL TRAINING RECORD ({case.id})",
             f"Name: {p.name}    Date of birth: {p.date_of_birth:%d %B %Y}", ""]
    if case.history.convention:
        lines += [f"Counting convention: {case.history.convention}", ""]
    for occ in sorted(case.history.occasions, key=lambda o: o.date):
        court = f" — {occ.court}" if occ.court else ""
        lines.append(f"{occ.date:%d %b %Y}  {DISPOSAL_LABELS[occ.disposal]}{court}")
        for n, off in enumerate(occ.offences, 1):
            lines.append(f"    {n}. {off.name} (offence date {off.offence_date:%d %b %Y})"
                         f"{_victim(off)}")
        lines += [f"    Outcome: {occ.sentence}", ""]
    if case.documents.record_notes:
        lines.append(f"Notes: {case.documents.record_notes}")
    return "\n".join(lines).rstrip() + "\n"


def case_file(case: TrainingCase) -> list[tuple[str, str]]:
    """(title, text) of each document a trainee reads, in reading order. Never the key."""
    d, bg = case.documents, case.person.background
    background = "\n\n".join(f"{title}: {text}" for title, text in (
        ("Relationships", bg.relationships), ("Family and friends", bg.family_and_friends),
        ("Work", bg.work), ("Housing", bg.housing), ("Health", bg.health),
        ("Interests", bg.interests)))
    return [
        ("Case summary", d.summary),
        ("Background", background),
        ("Record printout", record_printout(case)),
        ("Officer's notes", d.officer_notes),
        ("Partner agency information", d.partner_agency),
        ("Interview summary", d.interview_summary),
    ]
