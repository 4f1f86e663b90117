"""The RM2000 questions in a person's words, for every form that asks them (the widget form,
`widgets/rm2000_form.py`, and the room page, `serving/room/forms.py`): each fact's label, the
engine's messages as GOV.UK sentences naming the question and the fix (`sentence`; the engine
keeps its own terse wording with field ids for the command line and the CSV audit), which
question an engine error belongs beside, and the sentence for a question left unanswered."""

from __future__ import annotations

import re
from collections.abc import Callable

from .rm2000 import COUNT_FIELDS
from .ruleset import RM2000Ruleset

AGE_FIELDS = ("age_at_assessment", "age_at_commencement")
DATE_FIELDS = ("date_of_birth", "assessment_date", "commencement_date")
ELIGIBILITY = "sexual_offence_aged_17_plus"


def fact_labels(rs: RM2000Ruleset) -> dict[str, str]:
    """Each fact's label (the ruleset's own where it has one)."""
    labels = {
        "sex": "Sex",
        "sex_other": "Sex (another description)",
        "age_at_assessment": "Age at assessment",
        "age_at_commencement": rs.item("s", "age_at_commencement").label,
        "date_of_birth": "Date of birth",
        "assessment_date": "Assessment date",
        "commencement_date": "Date of commencement of risk",
        "sexual_appearances": rs.item("s", "sexual_appearances").label,
        "criminal_appearances": rs.item("s", "criminal_appearances").label,
        "violent_appearances": rs.item("v", "violent_appearances").label,
        "burglary": rs.item("v", "burglary").label,
        ELIGIBILITY: (f"Sexual offence committed aged "
                      f"{rs.eligibility.min_age_at_sexual_offence} or over"),
        "occasions": "Sentencing history",
    }
    assert rs.s.step2 is not None
    labels |= {f.id: f.label for f in rs.s.step2.factors}
    return labels


def humanise(message: str, labels: dict[str, str]) -> str:
    """An engine message with field ids replaced by the labels the person sees."""
    names = sorted((k for k in labels if k != "sex_other"), key=len, reverse=True)
    pattern = r"\b(" + "|".join(re.escape(n) for n in names) + r")\b"
    message = message.replace("is required: true or false", "is required: choose Yes or No")
    message = message.replace("or give occasions", "or enter the sentencing history")
    message = message.replace("is false but the occasions include",
                              "is answered No but the sentencing history includes")
    message = message.replace('is required: "male", "female" or another description',
                              "is required: choose Male, Female or Another description")
    return re.sub(pattern, lambda m: labels[m.group(1)].lower(), message)


def route(top: str, *, age_mode: str, count_mode: str, sex_other: bool) -> str:
    """The question an engine error about fact `top` belongs beside, given how the ages
    ("ages" | "dates") and convictions ("counts" | "history") are being given."""
    if age_mode == "dates" and top in AGE_FIELDS:
        return "assessment_date" if top == "age_at_assessment" else "commencement_date"
    if age_mode == "ages" and top in DATE_FIELDS:
        return {"assessment_date": "age_at_assessment",
                "commencement_date": "age_at_commencement"}.get(top, "age_at_assessment")
    if count_mode == "history" and top in (*COUNT_FIELDS, "burglary"):
        return "occasions"
    if count_mode == "counts" and top == "occasions":
        return "sexual_appearances"
    if top == "sex" and sex_other:
        return "sex_other"
    return top


def required_sentence(top: str, key: str | None, labels: dict[str, str], *, yes_no: bool,
                      history: bool = True) -> str | None:
    """GOV.UK sentence for an unanswered question ("Enter the person's age at assessment"),
    for the question `key` the error sits beside (`yes_no`: answered Yes or No; `history`: the
    form offers the sentencing history instead of counts); None keeps the engine's words."""
    if key in ("assessment_date", "commencement_date"):
        return f"Enter the {labels[key].lower()} and the date of birth"
    if top in AGE_FIELDS:
        return f"Enter the person's {labels[top].lower()}"
    if top in COUNT_FIELDS and key != "occasions":
        least = 1 if top == "sexual_appearances" else 0
        return (f"Enter the number of {labels[top].lower()} ({least} or more)"
                + (", or enter the sentencing history" if history else ""))
    if top == "sex":
        return "Select the person's sex: Male, Female or Another description"
    if yes_no:
        return f"Select Yes or No for \u201c{labels[top]}\u201d"
    return None


def _years(n: str) -> str:
    return f"{n} year" if n == "1" else f"{n} years"


def _whole_number(top: str, _m: re.Match[str], name: str, labels: dict[str, str]) -> str:
    if top in AGE_FIELDS:
        return f"Enter the person's {name} as a whole number of years, like 35"
    if top in COUNT_FIELDS:
        return f"Enter the number of {name} as a whole number, like 3"
    return f"Enter the {name} as a whole number, like 3"


def _negative(top: str, _m: re.Match[str], name: str, labels: dict[str, str]) -> str:
    if top in COUNT_FIELDS:
        return f"Enter the number of {name} as 0 or more"
    return f"{labels.get(top, top)} must be 0 or more"


# the engine's message (`instruments.rm2000`) → the sentence: (top field, match, the field's
# label in lower case, every label) → text; a message not listed keeps the engine's words
_Rule = Callable[[str, re.Match[str], str, dict[str, str]], str]


def _says(template: str) -> _Rule:
    """A rule whose sentence is `template` filled in: {Field} the question's label, {name} it
    in lower case, {Q} it in quotes, {lower[id]} another question's label in lower case, and
    {1}, {2}… what the engine's message matched."""
    def rule(top: str, m: re.Match[str], name: str, labels: dict[str, str]) -> str:
        field = labels.get(top, top)
        lower = {k: v.lower() for k, v in labels.items()}
        return template.format(m[0], *m.groups(), Field=field, name=name, lower=lower,
                               Q=f"\u201c{field}\u201d")
    return rule


SENTENCES: list[tuple[re.Pattern[str], _Rule]] = [(re.compile(p), f) for p, f in [
    (r"must be a whole number \(e\.g\. 3\), not .*", _whole_number),
    (r"must be true or false, not .*", _says("Select Yes or No for {Q}")),
    (r".* is not a real date; use an ISO date .*", _says("{Field} must be a real date")),
    (r"is in the future; enter the person's date of birth", _says("{Field} must be in the past")),
    (r"is more than (\d+) days in the future \(.*\); check the year",
     _says("{Field} must be no more than {1} days from today: check the year")),
    (r"\(.*\) is before date_of_birth \(.*\); the dates are in the wrong order",
     _says("{Field} must be after the date of birth")),
    (r"is needed to work out (\w+) from (\w+)",
     lambda top, m, name, labels: f"Enter the date of birth, to work out the "
                                  f"{labels[m[1]].lower()} from the {labels[m[2]].lower()}"),
    (r"is (-?\d+) but the dates give (-?\d+); correct one or give only the dates",
     _says("{Field} ({1}) does not match the dates, which give {2}: correct one of them, or "
           "give only the dates")),
    (r"cannot be negative \(-?\d+\)(; enter 0 or more)?", _negative),
    (r"must be between (\d+) and (\d+) years \(got -?\d+\)",
     _says("{Field} must be between {1} and {2} years")),
    (r"must be (\d+) or under \(got -?\d+\)", _says("{Field} must be {1} years or under")),
    (r"is (\d+) but the occasions give (\d+); remove the count or correct the record",
     _says("The number of {name} ({1}) does not match the sentencing history, which gives "
           "{2}: remove the number or correct the history")),
    (r"\((\d+)\) is above the ceiling of (\d+) appearances: .*",
     _says("The number of {name} must be {2} or fewer: check the number")),
    (r"lists \d+ sentencing occasions, more than the ceiling of (\d+): .*",
     _says("The sentencing history must list {1} sentencing occasions or fewer: check the "
           "record")),
    (r"is false but the occasions include a ([\w-]+) offence; correct one of them",
     _says("{Q} is answered No but the sentencing history includes a {1} offence: correct "
           "one of them")),
    (r"\((\d+)\) is more than (\d+) year\(s\) after age_at_assessment \((\d+)\); check both",
     lambda top, m, name, labels: f"{labels.get(top, top)} ({m[1]}) must be no more than "
                                  f"{_years(m[2])} after the age at assessment ({m[3]}): "
                                  "check both"),
    (r"\((\d+)\) cannot be fewer than sexual_appearances \((\d+)\): .*",
     _says("The number of {name} ({1}) must be at least the number of "
           "{lower[sexual_appearances]} ({2}): every sexual appearance is also a criminal "
           "appearance")),
    (r"\((\d+)\) cannot be more than criminal_appearances \((\d+)\): .*",
     _says("The number of {name} ({1}) must be no more than the number of "
           "{lower[criminal_appearances]} ({2}): every violent appearance is also a criminal "
           "appearance")),
]]


def sentence(top: str, message: str, labels: dict[str, str]) -> str:
    """The engine's `message` about fact `top` as a GOV.UK sentence that names the question and
    the fix ("Enter the number of sexual appearances as a whole number, like 3"); a message
    with no sentence here reads as the label followed by the engine's words."""
    name = labels.get(top, top).lower()
    for pattern, build in SENTENCES:
        found = pattern.fullmatch(message)
        if found:
            return build(top, found, name, labels)
    return f"{labels.get(top, top)} {humanise(message, labels)}"
