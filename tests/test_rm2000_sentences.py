"""The RM2000 engine's messages as a person reads them on the widget form and the room page
(`instruments.rm2000_words.sentence`): GOV.UK sentences that name the question and the fix, never
a field id, an "e.g." or what was typed in quotes; the engine's own terse words (field ids, for
the command line and the CSV audit) are unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rso_widgets.instruments.rm2000 import RM2000Facts, RM2000ValidationError, score
from rso_widgets.instruments.rm2000_words import fact_labels, sentence
from rso_widgets.instruments.ruleset import load_rm2000_ruleset

RS = load_rm2000_ruleset()
LABELS = fact_labels(RS)
TODAY = dt.date(2026, 12, 7)
BASE = {"sex": "male", "age_at_assessment": 40, "age_at_commencement": 35,
        "sexual_offence_aged_17_plus": True, "sexual_appearances": 1, "criminal_appearances": 1,
        "violent_appearances": 0, "burglary": False, "male_victim": False,
        "stranger_victim": False, "non_contact": False, "single": False}
DATES = {"age_at_assessment": None, "age_at_commencement": None, "date_of_birth": "1980-01-01",
         "assessment_date": "2026-01-01", "commencement_date": "2020-01-01"}
HISTORY = {"sexual_appearances": None, "criminal_appearances": None, "violent_appearances": None,
           "burglary": None, "occasions": [{"date": "2020-01-01", "offences": [
               {"name": "Exposure", "sexual": True, "non_contact": True}]}]}


def sentences(**changes) -> dict[str, list[str]]:
    """Each field the engine refuses in BASE with `changes` → the sentences a person reads."""
    facts = {k: v for k, v in (BASE | changes).items() if v is not None}
    with pytest.raises(RM2000ValidationError) as refused:
        score(facts, ruleset=RS, today=TODAY)
    out: dict[str, list[str]] = {}
    for e in refused.value.errors:
        out.setdefault(e.field, []).append(sentence(e.field.split(".")[0], e.message, LABELS))
    return out


@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({"sexual_appearances": "4O"}, "sexual_appearances",
     "Enter the number of sexual appearances as a whole number, like 3"),
    ({"age_at_assessment": "forty"}, "age_at_assessment",
     "Enter the person's age at assessment as a whole number of years, like 35"),
    ({"criminal_appearances": -2}, "criminal_appearances",
     "Enter the number of criminal appearances as 0 or more"),
    ({"age_at_assessment": -3}, "age_at_assessment", "Age at assessment must be 0 or more"),
    ({"age_at_commencement": 5}, "age_at_commencement",
     "Age at commencement of risk must be between 10 and 110 years"),
    ({"age_at_assessment": 120}, "age_at_assessment",
     "Age at assessment must be 110 years or under"),
    ({"sexual_appearances": 999}, "sexual_appearances",
     "The number of sexual appearances must be 300 or fewer: check the number"),
    ({"sexual_appearances": 2, "criminal_appearances": 1}, "criminal_appearances",
     "The number of criminal appearances (1) must be at least the number of sexual appearances "
     "(2): every sexual appearance is also a criminal appearance"),
    ({"violent_appearances": 3}, "violent_appearances",
     "The number of violent appearances (3) must be no more than the number of criminal "
     "appearances (1): every violent appearance is also a criminal appearance"),
    ({"male_victim": "maybe"}, "male_victim",
     "Select Yes or No for “Sexual offence against a male”"),
    (DATES | {"date_of_birth": "2030-01-01"}, "date_of_birth", "Date of birth must be in the past"),
    (DATES | {"commencement_date": "1970-01-01"}, "commencement_date",
     "Date of commencement of risk must be after the date of birth"),
    (DATES | {"assessment_date": "2029-01-01"}, "assessment_date",
     "Assessment date must be no more than 730 days from today: check the year"),
    (DATES | {"date_of_birth": "1980-02-30"}, "date_of_birth", "Date of birth must be a real date"),
    (DATES | {"date_of_birth": None}, "date_of_birth",
     "Enter the date of birth, to work out the age at assessment from the assessment date"),
    ({"date_of_birth": "1980-01-01", "assessment_date": "2026-01-01"}, "age_at_assessment",
     "Age at assessment (40) does not match the dates, which give 46: correct one of them, or "
     "give only the dates"),
    ({"age_at_commencement": 45}, "age_at_commencement",
     "Age at commencement of risk (45) must be no more than 3 years after the age at assessment "
     "(40): check both"),
    (HISTORY | {"non_contact": False}, "non_contact",
     "“Non-contact sexual offence” is answered No but the sentencing history includes a "
     "non-contact offence: correct one of them"),
])
def test_each_engine_message_reads_as_the_question_and_the_fix(changes, field, expected):
    assert expected in sentences(**changes)[field]


FIELD_IDS = [name for name in RM2000Facts.model_fields if "_" in name]


@given(st.text(min_size=1, max_size=6).filter(lambda s: not s.strip().lstrip("+-").isdigit()),
       st.sampled_from(["sexual_appearances", "criminal_appearances", "violent_appearances",
                        "age_at_assessment", "age_at_commencement"]))
def test_anything_typed_in_a_number_box_gets_the_same_plain_sentence(typed, field):
    name = LABELS[field].lower()
    assert sentences(**{field: typed})[field] == [
        f"Enter the person's {name} as a whole number of years, like 35" if "age" in field
        else f"Enter the number of {name} as a whole number, like 3"]


@pytest.mark.parametrize("changes", [
    {"sexual_appearances": "x", "criminal_appearances": -1, "violent_appearances": 9,
     "age_at_assessment": 200, "age_at_commencement": 3, "single": "y"},
    DATES | {"date_of_birth": "2040-01-01", "assessment_date": "2031-01-01"},
    DATES | {"age_at_assessment": 12, "assessment_date": "2030-05-05"},
    HISTORY | {"non_contact": False, "sexual_appearances": 4},
])
def test_no_sentence_shows_a_field_id_or_an_engine_aside(changes):
    for field, said in [(f, s) for f, all_said in sentences(**changes).items()
                        for s in all_said]:
        top = field.split(".")[0]
        assert said[0].isupper() or said.startswith("“"), said
        assert LABELS[top].lower() in said.lower() or top == "occasions", said  # names it
        assert not any(name in said for name in FIELD_IDS), said
        assert "e.g." not in said and "(got" not in said and "'" not in said, said
