"""The RM2000 questions in a person's words, for every form that asks them (the widget form,
`widgets/rm2000_form.py`, and the room page, `serving/room/forms.py`): each fact's label, the
engine's messages with field ids replaced by those labels, which question an engine error
belongs beside, and the GOV.UK sentence for a question left unanswered."""

from __future__ import annotations

import re

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
