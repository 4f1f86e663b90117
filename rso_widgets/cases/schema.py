"""Training-case schema (version 1): a fictional person, their record, the case file and the key.

Models only; cross-checks against the record and the engine live in `checks.py`,
reading YAML and error reporting in `loader.py`. See training_cases/README.md.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)

from ..instruments.plan import RiskManagementPlan
from ..instruments.record import Occasion, Offence
from ..instruments.rm2000 import RM2000Facts

SCHEMA_VERSION = 1

#: Learning objectives a case may teach (a fixed vocabulary; `checks.py` verifies each claim).
OBJECTIVES: dict[str, str] = {
    "eligibility": "Recognise when RM2000 does not apply (sex, age, no sexual conviction).",
    "step1-arithmetic": "Add the step-1 points and read the category from the total.",
    "same-day-appearances": "Count offences sentenced on one day as one appearance.",
    "criminal-appearances": "Count every sentencing occasion, sexual ones included.",
    "violent-appearances": "Count non-sexual violent appearances; sexual and violent counts as "
                           "sexual only.",
    "burglary": "Score any conviction for burglary on /V.",
    "cautions-not-counted": "Leave cautions and other non-conviction disposals out of the counts.",
    "commencement-age-band": "Work out age at commencement from dates, including on a band edge.",
    "male-victim": "Recognise a sexual offence against a male (adult or child).",
    "stranger-definition": "Apply the 24-hour rule: a stranger was known for less than 24 hours.",
    "non-contact": "Recognise a non-contact sexual offence alongside contact offences.",
    "single-cohabitation": "Single means never married and never cohabited for two years or more.",
    "step2-raising": "Raise the step-1 category: 2–3 factors one category, 4 factors two.",
    "step2-cap": "Never raise /S above Very High.",
    "c-conversion": "Convert the /S and /V categories to points and combine them for /C.",
}
Objective = Literal[
    "eligibility", "step1-arithmetic", "same-day-appearances", "criminal-appearances",
    "violent-appearances", "burglary", "cautions-not-counted", "commencement-age-band",
    "male-victim", "stranger-definition", "non-contact", "single-cohabitation", "step2-raising",
    "step2-cap", "c-conversion",
]

Disposal = Literal["conviction", "caution", "youth-caution", "reprimand", "final-warning",
                   "alleged", "no-further-action", "acquitted"]
AgeBand = Literal["under-13", "13-15", "16-17", "adult"]
Relationship = Literal["stranger", "online-contact", "acquaintance", "friend", "neighbour",
                       "colleague", "family", "family-friend", "partner", "ex-partner", "other"]
RATIONALE_ITEMS = ("age_at_commencement", "sexual_appearances", "criminal_appearances",
                   "violent_appearances", "burglary", "male_victim", "stranger_victim",
                   "non_contact", "single")

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> dt.date:
    """Accept a date or a YYYY-MM-DD string for a day that exists; nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date without a time — fix: write it as YYYY-MM-DD")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date that exists — fix: check the day and the "
                             "month (YYYY-MM-DD)") from None
    raise ValueError(f"{value!r} is not a date — fix: write it as YYYY-MM-DD, e.g. 2025-06-30")


CaseDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[StrictStr, Field(min_length=1)]
LongText = Annotated[StrictStr, Field(min_length=20)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RelationshipSpell(_Strict):
    """One adult relationship: enough to code "single" (married, or cohabited two years or more)."""

    partner: Text
    kind: Literal["married", "civil-partnership", "cohabited", "not-cohabiting"]
    start: CaseDate
    end: CaseDate | None = None  # None: continuing at the assessment date
    note: StrictStr = ""


class Background(_Strict):
    """Generic, fictional background: enough to code "single" and rate ARMS later."""

    relationships: LongText
    family_and_friends: LongText
    work: LongText
    housing: LongText
    health: LongText
    interests: LongText


class Person(_Strict):
    name: Text
    sex: Text
    date_of_birth: CaseDate
    age: StrictInt = Field(ge=0, le=110)  # at the assessment date; checked against the dates
    background: Background
    relationship_history: list[RelationshipSpell] = []


class Victim(_Strict):
    """Charge-sheet level only: sex, age band and relationship to the person."""

    sex: Literal["male", "female"]
    age_band: AgeBand
    relationship: Relationship
    known_for: StrictStr = ""  # e.g. "about three hours", "six weeks online"


class HistoryOffence(_Strict):
    name: Text
    offence_date: CaseDate
    sexual: StrictBool = False
    violent: StrictBool = False
    burglary: StrictBool = False
    non_contact: StrictBool = False
    victim: Victim | None = None  # None: no direct victim (e.g. possession offences)

    def to_offence(self) -> Offence:
        return Offence(name=self.name, sexual=self.sexual, violent=self.violent,
                       burglary=self.burglary, non_contact=self.non_contact)


class HistoryOccasion(_Strict):
    """One sentencing occasion (or caution, or allegation) as listed on the record."""

    date: CaseDate
    disposal: Disposal
    court: StrictStr = ""
    offences: list[HistoryOffence] = Field(min_length=1)
    sentence: Text

    def to_occasion(self) -> Occasion:
        return Occasion(date=self.date, offences=[o.to_offence() for o in self.offences],
                        disposal=self.disposal)


class History(_Strict):
    convention: StrictStr = ""  # required when the record lists anything that is not counted
    occasions: list[HistoryOccasion] = Field(min_length=1)


class Documents(_Strict):
    """The case file a trainee reads. Professional, factual, person-first; never graphic."""

    summary: LongText
    officer_notes: LongText
    partner_agency: LongText
    interview_summary: LongText
    record_notes: StrictStr = ""


class KeyFacts(_Strict):
    """The expert's RM2000 facts. Sex, date of birth and assessment date come from the case."""

    commencement_date: CaseDate | None = None
    sexual_appearances: StrictInt = Field(ge=0)
    criminal_appearances: StrictInt = Field(ge=0)
    violent_appearances: StrictInt = Field(ge=0)
    burglary: StrictBool
    male_victim: StrictBool
    stranger_victim: StrictBool
    non_contact: StrictBool
    single: StrictBool
    sexual_offence_aged_17_plus: StrictBool


Category = Literal["Low", "Medium", "High", "Very High"]
NotApplicableBecause = Literal["sex", "age", "no-sexual-conviction", "sexual-offence-under-17"]


class Expected(_Strict):
    """The result the key's facts must give (checked against the engine on load)."""

    applicable: StrictBool
    not_applicable_because: NotApplicableBecause | None = None
    step1_points: StrictInt | None = None
    step1_category: Category | None = None
    aggravating_factors: StrictInt | None = None
    s: Category | None = None
    v: Category | None = None
    c: Category | None = None


class Rationale(_Strict):
    """The key's reasoning for every item and factor, written for a learner."""

    eligibility: LongText
    age_at_commencement: StrictStr = ""
    sexual_appearances: StrictStr = ""
    criminal_appearances: StrictStr = ""
    violent_appearances: StrictStr = ""
    burglary: StrictStr = ""
    male_victim: StrictStr = ""
    stranger_victim: StrictStr = ""
    non_contact: StrictStr = ""
    single: StrictStr = ""
    step2: StrictStr = ""
    c_conversion: StrictStr = ""

    def for_item(self, item: str) -> str:
        return getattr(self, item, "") or ""


class Key(_Strict):
    facts: KeyFacts
    expected: Expected
    rationale: Rationale


# --- the ARMS key and the key risk management plan (optional; checked in arms_key.py) -----------

#: Where in the case file a piece of key evidence can be read.
EvidenceDocument = Literal["summary", "background", "record", "officer_notes", "partner_agency",
                           "interview_summary"]
TRAINING_EDITION = "arms-training-edition"


class KeyEvidence(_Strict):
    """What was seen or said, its source (from the catalogue's list), its date, and the part of
    the case file that says it. Text in "double quotes" must be quoted exactly from there."""

    what: Annotated[StrictStr, Field(min_length=10)]
    source: Text
    date: CaseDate
    document: EvidenceDocument


class KeyFollowUp(_Strict):
    """For an `insufficient_information` rating: what to find out, from whom, by when (`due` on
    or after the case's assessment date)."""

    what: Annotated[StrictStr, Field(min_length=10)]
    source: Text
    due: CaseDate


class KeyAlternative(_Strict):
    """Another rating a careful assessor could defend for this factor, and why."""

    rating: Text
    reason: LongText


class KeyRating(_Strict):
    """The key's rating of one factor, its evidence and the reasoning, written for a learner;
    `follow_up` (required for insufficient information) and `acceptable` (defensible
    alternatives, each with its reason)."""

    rating: Text
    evidence: list[KeyEvidence] = []
    rationale: LongText
    follow_up: KeyFollowUp | None = None
    acceptable: list[KeyAlternative] = []

    def acceptable_ratings(self) -> list[str]:
        return [a.rating for a in self.acceptable]

    def reason_for(self, rating: str | None) -> str | None:
        """The key's reason for accepting `rating` as a defensible alternative (None if not)."""
        return next((a.reason for a in self.acceptable if a.rating == rating), None)


class KeyFormulation(_Strict):
    past_offending: LongText
    warning_signs: LongText
    strengths: LongText
    scenarios: LongText


class KeyPriority(_Strict):
    """The expert assessor's choice of priority — never computed — and why; `also_reasonable`
    names other choices a careful assessor could defend here (the rationale says why)."""

    level: Text
    rationale: LongText
    also_reasonable: list[Text] = []


class ArmsKey(_Strict):
    """The key's ARMS assessment of the case, as at the case's assessment date."""

    catalogue: Text = TRAINING_EDITION  # the id of the catalogue the key was written for
    ratings: dict[StrictStr, KeyRating] = Field(min_length=1)
    formulation: KeyFormulation
    priority: KeyPriority


class KeyJudgement(_Strict):
    """The key author's score for a judged rubric criterion, with the reasoning."""

    score: StrictInt = Field(ge=0, le=2)
    rationale: LongText


class PlanKey(RiskManagementPlan):
    """A complete model risk management plan for the case, plus the key author's judgements on
    the judged rubric criteria (Q9, Q10 required; Q4 optional)."""

    judgements: dict[Literal["Q4", "Q9", "Q10"], KeyJudgement] = Field(default_factory=dict)

    def plan(self) -> RiskManagementPlan:
        """The plan alone, as the instrument's model."""
        return RiskManagementPlan.model_validate(self.model_dump(exclude={"judgements"}))


class LegalSource(_Strict):
    """Where a point of law (or a check made on the case, such as a name screen) comes from."""

    point: Text  # what the case relies on, e.g. "a youth rehabilitation order does not notify"
    source: Text  # the source named, e.g. "Sexual Offences Act 2003, Sch. 3 para 18"


class TrainingCase(_Strict):
    """One fictional training case (schema version 1)."""

    schema_version: Literal[1]
    id: Annotated[StrictStr, Field(pattern=r"^TC-\d{2,3}$")]
    title: Text
    fictional: Literal[True]
    difficulty: Literal["introductory", "intermediate", "advanced"]
    learning_objectives: list[Objective] = Field(min_length=1)
    assessment_date: CaseDate
    person: Person
    history: History
    documents: Documents
    key: Key
    arms_key: ArmsKey | None = None
    plan_key: PlanKey | None = None
    legal_sources: list[LegalSource] = Field(default_factory=list)

    def key_facts(self) -> RM2000Facts:
        """The key's facts in the engine's shape, with sex and dates taken from the case."""
        k = self.key.facts
        return RM2000Facts(
            sex=self.person.sex, date_of_birth=self.person.date_of_birth,
            assessment_date=self.assessment_date, commencement_date=k.commencement_date,
            sexual_appearances=k.sexual_appearances, criminal_appearances=k.criminal_appearances,
            violent_appearances=k.violent_appearances, burglary=k.burglary,
            male_victim=k.male_victim, stranger_victim=k.stranger_victim,
            non_contact=k.non_contact, single=k.single,
            sexual_offence_aged_17_plus=k.sexual_offence_aged_17_plus)

    def occasions(self) -> list[Occasion]:
        """The sentencing history as the engine's occasions (disposals kept)."""
        return [o.to_occasion() for o in self.history.occasions]
