"""Record-based counting: occasions → appearances (same-day rule, index included, disposals)."""

from __future__ import annotations

import datetime as dt

import pytest

from rso_widgets.instruments.record import Occasion, derive_counts
from rso_widgets.instruments.rm2000 import RM2000ValidationError, score

TODAY = dt.date(2026, 11, 26)


def occ(date: str, *offences: dict, disposal: str = "conviction") -> dict:
    return {"date": date, "offences": list(offences), "disposal": disposal}


SEX = {"name": "Sexual assault", "sexual": True}
RAPE = {"name": "Rape", "sexual": True, "violent": True}
ABH = {"name": "Assault occasioning actual bodily harm", "violent": True}
THEFT = {"name": "Theft"}
BURG = {"name": "Burglary", "burglary": True}
EXPOSURE = {"name": "Exposure", "sexual": True, "non_contact": True}


def derive(*occasions: dict, counted=("conviction",)):
    return derive_counts([Occasion.model_validate(o) for o in occasions], list(counted))


def test_same_day_occasions_count_once():
    d = derive(occ("2019-05-01", SEX), occ("2019-05-01", EXPOSURE, THEFT))
    assert (d.criminal_appearances, d.sexual_appearances) == (1, 1)
    assert d.occasions[0].merged_from == 2
    assert "counted once" in d.occasions[0].explain()


def test_index_and_earlier_occasions_all_count():
    d = derive(occ("2010-01-01", THEFT), occ("2012-01-01", BURG), occ("2020-01-01", SEX))
    assert (d.criminal_appearances, d.sexual_appearances, d.violent_appearances) == (3, 1, 0)
    assert d.burglary is True


def test_sexual_and_violent_offence_counts_as_sexual_only():
    d = derive(occ("2015-01-01", RAPE))
    assert (d.sexual_appearances, d.violent_appearances) == (1, 0)


def test_separate_violent_offence_on_sexual_occasion_counts_both():
    d = derive(occ("2015-01-01", RAPE, ABH))
    assert (d.sexual_appearances, d.violent_appearances) == (1, 1)


def test_non_contact_only_from_sexual_offences():
    assert derive(occ("2015-01-01", EXPOSURE)).non_contact is True
    assert derive(occ("2015-01-01", SEX, {"name": "Harassment", "non_contact": True})) \
        .non_contact is False


def test_uncounted_disposal_listed_with_reason():
    d = derive(occ("2011-01-01", SEX, disposal="caution"), occ("2016-01-01", SEX))
    assert d.sexual_appearances == 1
    assert not d.occasions[0].counted and "caution" in d.occasions[0].note
    assert "not counted" in d.explain()[0]


def test_unordered_input_is_sorted():
    d = derive(occ("2020-01-01", SEX), occ("2010-01-01", THEFT))
    assert [o.date.year for o in d.occasions] == [2010, 2020]


def test_score_uses_derived_counts_and_reports_derivation():
    r = score({"sex": "male", "age_at_assessment": 45, "age_at_commencement": 44,
               "sexual_offence_aged_17_plus": True, "male_victim": False,
               "stranger_victim": False, "single": False,
               "occasions": [occ("2009-02-02", THEFT), occ("2014-07-07", SEX),
                             occ("2014-07-07", ABH), occ("2020-03-03", EXPOSURE)]},
              today=TODAY)
    assert (r.facts.criminal_appearances, r.facts.sexual_appearances,
            r.facts.violent_appearances) == (3, 2, 1)
    assert r.facts.non_contact is True
    assert r.working()[0].startswith("2009-02-02: Theft")


def test_given_count_contradicting_record_is_an_error():
    with pytest.raises(RM2000ValidationError) as exc:
        score({"sex": "male", "age_at_assessment": 45, "age_at_commencement": 44,
               "sexual_offence_aged_17_plus": True, "male_victim": False,
               "stranger_victim": False, "single": False, "criminal_appearances": 2,
               "occasions": [occ("2014-07-07", SEX), occ("2014-07-07", THEFT)]}, today=TODAY)
    assert "occasions give 1" in dict(exc.value.pairs())["criminal_appearances"]


def test_flag_false_contradicting_record_is_an_error():
    with pytest.raises(RM2000ValidationError) as exc:
        score({"sex": "male", "age_at_assessment": 45, "age_at_commencement": 44,
               "sexual_offence_aged_17_plus": True, "male_victim": False, "burglary": False,
               "stranger_victim": False, "single": False,
               "occasions": [occ("2014-07-07", SEX), occ("2016-01-01", BURG)]}, today=TODAY)
    assert "burglary" in dict(exc.value.pairs())


@pytest.mark.parametrize("bad,field", [
    ({"date": "2014-13-01", "offences": [SEX]}, "occasions.0.date"),
    ({"date": "2014-01-01", "offences": []}, "occasions.0.offences"),
    ({"date": "2014-01-01", "offences": [{"name": "X", "colour": "red"}]},
     "occasions.0.offences.0.colour"),
])
def test_bad_occasion_names_its_path(bad, field):
    with pytest.raises(RM2000ValidationError) as exc:
        score({"sex": "male", "age_at_assessment": 40, "occasions": [bad]}, today=TODAY)
    assert field in dict(exc.value.pairs())
