"""The law each shipped case relies on, worked out again from its record (issue 15, section 2).

The rules are transcribed here from the legislation, independently of the case files, so a case
whose notes say something the law does not fails here:
- notification: which convictions are notifiable (Sexual Offences Act 2003, Sch. 3, for the
  offences the library uses) and for how long (s.82, halved under 18; a detention and training
  order counts by its period of detention, s.131);
- a suspended sentence counts for notification by its term, as imprisonment (Sentencing Act
  2020, s.286(1); CJA 2003, s.189(6)), for Schedule 3's thresholds and for s.82;
- release: the point `rso_widgets/cases/release.py` works out from the offence's maximum
  penalty and Schedule 15 part in `cases/law_rules.yaml` (half; two-thirds under s.244ZA(4),
  7 years or more from 1 April 2020, first SI 2020/158, and s.244ZA(5), 4 to 7 years from
  28 June 2022; 40% under SI 2024/844 unless excluded), by either counting convention, never on
  a Saturday or Sunday (Criminal Justice Act 1961, s.23(3): the preceding working day); a
  release after the Sentencing Act 2026's Royal Assent says which law it states;
- licence to the end of the sentence (CJA 2003, s.249) and post-sentence supervision to twelve
  months after release for sentences under 2 years for offences from 1 February 2015 (s.256AA);
- MAPPA: probation leads while it supervises (licence, supervision, order, or in custody),
  police otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta

from rso_widgets.cases import TrainingCase, load_cases
from rso_widgets.cases.law_rules import offence
from rso_widgets.cases.release import release_point, sentencing_act_2026_caveat
from rso_widgets.cases.schema import HistoryOffence
from rso_widgets.instruments.rm2000 import _years_between

CASES = load_cases()
DAY = dt.timedelta(days=1)
TERM = re.compile(r"(\d+) (year|month|week)s?' (?:imprisonment|detention)")
ORDER = re.compile(r"(?:Community order|Youth rehabilitation order|Detention and training order), "
                   r"(\d+) (year|month)s?")
NOTIFY = re.compile(r"notification requirements (indefinitely|for an indefinite period|"
                    r"for (\d+) years)")
PSS_FROM = dt.date(2015, 2, 1)


def _span(number: int, unit: str) -> relativedelta:
    return relativedelta(**{f"{unit}s": number}) if unit != "week" else relativedelta(
        weeks=number)


def _months(number: int, unit: str) -> float:
    return {"year": 12.0, "month": 1.0, "week": 7 / 30.4375}[unit] * number


def custodial(occ) -> tuple[int, str] | None:
    """(number, unit) of an immediate custodial term; a DTO by its period of detention (s.131)."""
    if "suspended" in occ.sentence:
        return None
    return imprisonment_term(occ)


def imprisonment_term(occ) -> tuple[int, str] | None:
    """(number, unit) of the term of imprisonment the person was sentenced to, for Schedule 3
    and s.82: immediate or suspended (a suspended sentence is a sentence of imprisonment for
    its term, Sentencing Act 2020, s.286(1)); a DTO by its period of detention (s.131)."""
    if occ.sentence.startswith("Detention and training order"):
        n, unit = ORDER.match(occ.sentence).groups()
        return int(n) // 2, unit
    m = TERM.search(occ.sentence)
    return (int(m.group(1)), m.group(2)) if m else None


def order_months(occ) -> float | None:
    m = ORDER.match(occ.sentence)
    return _months(int(m.group(1)), m.group(2)) if m else None


def age_on(case: TrainingCase, day: dt.date) -> int:
    return _years_between(case.person.date_of_birth, day)


def notifiable(case: TrainingCase, occ, off: HistoryOffence) -> bool:
    """Sexual Offences Act 2003, Sch. 3, for the offences the library uses."""
    name, age = off.name.lower(), age_on(case, occ.date)
    term = imprisonment_term(occ) if occ.disposal == "conviction" else None
    months = _months(*term) if term else 0.0
    community_12 = occ.disposal == "conviction" and (order_months(occ) or 0) >= 12 \
        and not occ.sentence.startswith("Detention")
    child_victim = off.victim is not None and off.victim.age_band != "adult"
    if "indecent assault on a female" in name:  # SOA 1956 s.14
        return child_victim or months >= 30
    if "indecent photographs" in name:  # PCA 1978 s.1, CJA 1988 s.160 (images of under-16s)
        return age >= 18 or months >= 12
    if any(k in name for k in ("rape", "assault by penetration", "sexual activity with a child",
                               "causing or inciting a child", "sexual grooming",
                               "sexual communication with a child")):
        return age >= 18 or months >= 12
    if any(k in name for k in ("sexual assault", "exposure", "voyeurism")):
        if age < 18:
            return months >= 12
        return child_victim or term is not None or community_12
    raise AssertionError(f"{case.id}: no Schedule 3 rule in this test for {off.name!r}; add one")


def notification_period(case: TrainingCase, occ) -> str:
    """s.82: 'indefinite' or a number of years (halved when under 18 at conviction)."""
    term = imprisonment_term(occ)
    if term is None:
        years = 5.0  # a sentence of any other description
    else:
        months = _months(*term)
        if months >= 30:
            return "indefinite"
        years = 10.0 if months > 6 else 7.0
    if age_on(case, occ.date) < 18:
        years /= 2
    return f"{years:g}"


def notifiable_occasions(case: TrainingCase) -> list:
    return [occ for occ in case.history.occasions if occ.disposal in ("conviction", "caution")
            and any(off.sexual and notifiable(case, occ, off) for off in occ.offences)]


def working_day_on_or_before(day: dt.date) -> dt.date:
    """A release due on a Saturday or Sunday happens on the Friday before (CJA 1961, s.23(3))."""
    while day.weekday() >= 5:
        day -= DAY
    return day


def release_dates(case: TrainingCase, occ) -> tuple[dt.date, dt.date]:
    """The automatic release date by the two conventions in use: the release fraction of the
    term counted in days rounded up, or in calendar months."""
    point = release_fraction(case, occ)
    earliest, latest, _ = release_window(occ, float(point.fraction))
    floor = point.not_before or dt.date.min  # the 40% order's commencement
    return max(earliest + 2 * DAY, floor), max(latest, floor)


def release_fraction(case: TrainingCase, occ):
    """The release point the law data gives for this sentence (rso_widgets/cases/release.py)."""
    return release_point([off.name for off in occ.offences], custodial(occ), occ.date,
                         age_on(case, occ.date))


def release_window(occ, fraction: float = 1 / 2) -> tuple[dt.date, dt.date, dt.date]:
    """(earliest, latest) automatic release date at `fraction` by either convention, the
    earliest brought forward by two days for a weekend, and the sentence expiry date."""
    n, unit = custodial(occ)
    expiry = occ.date + _span(n, unit) - DAY
    by_days = occ.date + dt.timedelta(days=math.ceil(((expiry - occ.date).days + 1) * fraction))
    by_days -= DAY
    whole_months = n * {"year": 12, "month": 1, "week": 0}[unit] * fraction
    by_months = occ.date + relativedelta(months=int(whole_months)) - DAY \
        if whole_months == int(whole_months) and unit != "week" else by_days
    return min(by_days, by_months) - 2 * DAY, max(by_days, by_months), expiry


def release_occasion(case: TrainingCase):
    """The sentence whose start or release is the commencement of risk."""
    start = case.key.facts.commencement_date
    assert start is not None
    return max((o for o in case.history.occasions if o.disposal == "conviction"
                and (o.date <= start)), key=lambda o: o.date)


def pss_applies(case: TrainingCase, occ) -> bool:
    term = custodial(occ)
    return term is not None and _months(*term) < 24 and all(
        off.offence_date >= PSS_FROM for off in occ.offences) and age_on(case, occ.date) >= 18


def text_of(case: TrainingCase) -> str:
    d = case.documents
    legal = [r.terms for r in case.plan_key.legal] if case.plan_key else []
    return " ".join([d.summary, d.officer_notes, d.partner_agency, d.interview_summary,
                     d.record_notes, *legal])


def supervised_on(case: TrainingCase, day: dt.date) -> bool:
    """Probation supervises him on `day`: in custody, on licence or post-sentence supervision,
    or on a community order or youth order."""
    for occ in case.history.occasions:
        if occ.disposal != "conviction":
            continue
        if custodial(occ) is not None and not occ.sentence.startswith("Detention and"):
            _, release, end = release_window(occ, float(release_fraction(case, occ).fraction))
            if pss_applies(case, occ):
                end = max(end, release + relativedelta(months=12) - DAY)
        elif (months := order_months(occ)) is not None:
            end = occ.date + relativedelta(months=int(months)) - DAY
        else:
            continue
        if occ.date <= day <= end:
            return True
    return False


WITH_RECORD = [c for c in CASES if any(o.disposal in ("conviction", "caution")
                                       and any(f.sexual for f in o.offences)
                                       for o in c.history.occasions)]
RELEASED = [c for c in CASES if c.key.facts.commencement_date is not None]
PLANS = [c for c in CASES if c.plan_key is not None]


@pytest.mark.parametrize("case", WITH_RECORD, ids=lambda c: c.id)
def test_notification_is_stated_exactly_when_the_law_requires_it(case: TrainingCase) -> None:
    for occ in case.history.occasions:
        if occ.disposal not in ("conviction", "caution") or not any(
                o.sexual for o in occ.offences):
            continue
        due = any(off.sexual and notifiable(case, occ, off) for off in occ.offences)
        stated = NOTIFY.search(occ.sentence)
        assert bool(stated) == due, (case.id, occ.date, occ.sentence)
        if stated:
            said = "indefinite" if stated.group(2) is None else f"{float(stated.group(2)):g}"
            assert said == notification_period(case, occ), (case.id, occ.date, occ.sentence)


@pytest.mark.parametrize("case", PLANS, ids=lambda c: c.id)
def test_the_key_plans_notification_end_date_follows_s82(case: TrainingCase) -> None:
    [req] = [r for r in case.plan_key.legal if r.kind == "notification"]
    ends = []
    for occ in notifiable_occasions(case):
        period = notification_period(case, occ)
        if period == "indefinite":
            ends.append(dt.date.max)
        else:
            years = float(period)
            ends.append(occ.date + relativedelta(years=int(years), months=int(years % 1 * 12))
                        - DAY)
    if not ends:  # notification only through a sexual harm prevention order (s.103G)
        [order] = [r for r in case.plan_key.legal if r.kind == "order"]
        assert req.end_date == order.end_date and "order" in req.terms
        return
    latest = max(ends)
    assert req.end_date == (None if latest == dt.date.max else latest), case.id
    if latest == dt.date.max:
        assert "indefinite" in req.terms


@pytest.mark.parametrize("case", RELEASED, ids=lambda c: c.id)
def test_commencement_is_the_lawful_release_or_the_start_of_the_order(
        case: TrainingCase) -> None:
    start = case.key.facts.commencement_date
    assert start.weekday() < 5, f"{case.id}: {start} is a weekend (CJA 1961, s.23(3))"
    occ = release_occasion(case)
    if custodial(occ) is None or occ.sentence.startswith("Detention and"):
        assert start == occ.date, case.id  # a community sentence starts on the day it is made
        return
    lawful = {working_day_on_or_before(d) for d in release_dates(case, occ)}
    assert start in lawful, (case.id, start, sorted(lawful))


@pytest.mark.parametrize("case", [c for c in RELEASED if c.plan_key], ids=lambda c: c.id)
def test_licence_and_post_sentence_supervision_follow_the_sentence(case: TrainingCase) -> None:
    occ = release_occasion(case)
    if custodial(occ) is None:
        return
    _, _, expiry = release_window(occ)
    for req in case.plan_key.legal:
        if req.kind == "licence_condition":
            assert req.end_date == expiry, case.id
    if pss_applies(case, occ):
        assert "post-sentence supervision" in text_of(case), \
            f"{case.id}: a sentence under 2 years is followed by post-sentence supervision"
        release = case.key.facts.commencement_date
        assert release is not None
        pss_end = release + relativedelta(months=12) - DAY
        for req in case.plan_key.legal:
            if "post-sentence supervision" in req.terms and req.end_date:
                assert req.end_date == pss_end, case.id


@pytest.mark.parametrize("case", PLANS, ids=lambda c: c.id)
def test_mappa_lead_agency_is_probation_exactly_while_it_supervises(case: TrainingCase) -> None:
    mappa = case.plan_key.plan().mappa
    assert mappa is not None and mappa.category == 1
    supervised = supervised_on(case, case.assessment_date)
    assert mappa.lead_agency.lower().startswith("probation") == supervised, (
        case.id, mappa.lead_agency, supervised)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_case_names_the_sources_of_the_law_it_relies_on(case: TrainingCase) -> None:
    cited = " ".join(f"{s.point} {s.source}" for s in case.legal_sources)
    assert "Name check:" in cited
    if notifiable_occasions(case):
        assert "Sexual Offences Act 2003" in cited and re.search(r"ss?\.\s?82", cited), case.id
    if any(custodial(o) and o.disposal == "conviction" and "Detention and" not in o.sentence
           and any(f.sexual for f in o.offences) for o in case.history.occasions):
        assert "Criminal Justice Act 2003" in cited and re.search(r"ss?\.\s?244", cited), \
            case.id
    if case.plan_key is not None:
        assert "MAPPA Guidance" in cited, case.id


@pytest.mark.parametrize("case", PLANS, ids=lambda c: c.id)
def test_a_contingency_refers_up_from_the_current_mappa_level(case: TrainingCase) -> None:
    """A referral in a contingency is to a higher level than the one the plan records (a person
    on the register is already Category 1: never a "referral to MAPPA")."""
    plan = case.plan_key.plan()
    assert plan.mappa is not None
    for c in plan.contingencies:
        assert "referral to mappa" not in c.response.lower(), case.id
        for level in re.findall(r"level (\d)", c.response):
            assert int(level) > plan.mappa.level, (case.id, c.response, plan.mappa.level)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_courts_sit_and_assessments_happen_on_weekdays(case: TrainingCase) -> None:
    for occ in case.history.occasions:
        if occ.disposal in ("conviction", "acquitted"):
            assert occ.date.weekday() < 5, (case.id, occ.date)
    assert case.assessment_date.weekday() < 5, case.id


SDS40_FROM = dt.date(2024, 9, 10)  # SI 2024/844, art. 1(2)(a)


@pytest.mark.parametrize("case", RELEASED, ids=lambda c: c.id)
def test_the_40_per_cent_release_point_is_used_exactly_where_it_applies(
        case: TrainingCase) -> None:
    """From 10 September 2024 a standard determinate sentence not yet at its release point is
    released at 40%, unless its offence is excluded (release.py, from law_rules.yaml); the
    library's sexual sentences all are, so their release stays at half (or two-thirds), and a
    case whose release falls after that date names SI 2024/844."""
    start = case.key.facts.commencement_date
    occ = release_occasion(case)
    if custodial(occ) is None or occ.sentence.startswith("Detention and") or start < SDS40_FROM:
        return
    point = release_fraction(case, occ)
    if point.fraction == Fraction(2, 5):
        assert start in {working_day_on_or_before(d) for d in release_dates(case, occ)}
    else:
        assert any("2024/844" in s.source for s in case.legal_sources), \
            f"{case.id}: name SI 2024/844 (the 40% release point and its exclusions)"


@pytest.mark.parametrize("case", RELEASED, ids=lambda c: c.id)
def test_a_release_after_the_sentencing_act_2026_says_which_law_it_states(
        case: TrainingCase) -> None:
    """The Sentencing Act 2026, s.23 (Royal Assent 22 January 2026) changes release points once
    commenced by regulations; a case released (or due for release) after Royal Assent states
    the law as it stood and cites the Act."""
    occ = release_occasion(case)
    if custodial(occ) is None or occ.sentence.startswith("Detention and"):
        return
    if sentencing_act_2026_caveat(case.key.facts.commencement_date):
        assert any("Sentencing Act 2026" in f"{s.point} {s.source}"
                   for s in case.legal_sources), case.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_offence_on_a_record_is_in_the_law_table(case: TrainingCase) -> None:
    """Each offence has its statute, maximum penalty and Schedule 15 part in law_rules.yaml."""
    for occ in case.history.occasions:
        for off in occ.offences:
            assert offence(off.name).source, (case.id, off.name)


def test_a_suspended_sentence_meets_schedule_3s_imprisonment_conditions() -> None:
    """Sch. 3 para 18(b)(ii): sexual assault of an adult by an adult is notifiable if he is
    sentenced to a term of imprisonment, which a suspended sentence is (s.286(1)); a community
    order under 12 months or a fine is not enough. The period follows the term (s.82)."""
    from types import SimpleNamespace as NS

    case = next(c for c in CASES if c.id == "TC-01")
    victim = NS(age_band="adult")

    def occ(sentence: str):
        return NS(sentence=sentence, date=dt.date(2019, 7, 15), disposal="conviction",
                  offences=[NS(name="Sexual assault", sexual=True, victim=victim)])

    suspended = occ("8 weeks' imprisonment suspended for 12 months")
    assert notifiable(case, suspended, suspended.offences[0])
    assert notification_period(case, suspended) == "7"
    longer = occ("12 months' imprisonment suspended for 2 years")
    assert notifiable(case, longer, longer.offences[0])
    assert notification_period(case, longer) == "10"
    for sentence in ("Community order, 6 months, with unpaid work", "Fine"):
        other = occ(sentence)
        assert not notifiable(case, other, other.offences[0]), sentence
