"""Assessment reports (HTML and PDF): every section, the marking, hostile text shown as text."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from html.parser import HTMLParser

import pypdf
import pytest

from rso_widgets.instruments.arms import (
    ARMSAssessment,
    Evidence,
    FactorRating,
    Formulation,
    Priority,
    StaticContext,
    load_arms_catalogue,
)
from rso_widgets.instruments.mappa import MappaLayer, MappaPartner, PartnerAssessment
from rso_widgets.instruments.plan import (
    Action,
    Contingency,
    LegalRequirement,
    Review,
    RiskManagementPlan,
    VisitPlan,
)
from rso_widgets.instruments.plan_quality import Judgement
from rso_widgets.instruments.rm2000 import RM2000Result, score
from rso_widgets.reports import MARKING
from rso_widgets.reports.html import assessment_report_html
from rso_widgets.reports.model import ReportInput
from rso_widgets.reports.payload import make_payload, read_payload
from rso_widgets.reports.pdf import VERA, assessment_report_pdf
from rso_widgets.store import open_store

CAT = load_arms_catalogue()
DAY = dt.date(2026, 10, 1)
FACTS = {"sex": "male", "date_of_birth": "1985-03-14", "assessment_date": "2026-10-01",
         "commencement_date": "2025-06-14", "sexual_appearances": 2, "criminal_appearances": 5,
         "violent_appearances": 1, "burglary": False, "male_victim": False,
         "stranger_victim": True, "non_contact": True, "single": True,
         "sexual_offence_aged_17_plus": True}
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><b>'
RTL = "\u202egnp.exe"
EMOJI = "\U0001f600"
ENTITY = "&lt;i&gt; &amp;"  # typed entities stay literal too
HOSTILE = f"{SCRIPT} {IMG} {BREAKOUT} {RTL} {EMOJI} {ENTITY}"
LONG = " ".join(f"word{i}" for i in range(1500)) + " END-OF-LONG-TEXT"  # over a page
UNBROKEN = "x" * 2500


def rm2000() -> RM2000Result:
    return score(FACTS)


def arms(result: RM2000Result, note: str = "", long: str = "",
         **overrides: str) -> ARMSAssessment:
    ratings = {}
    for i, f in enumerate(CAT.factors):
        rating = overrides.get(f.id, "partly_evident" if f.kind == "risk" else "partly_present")
        what = f"Observation {f.id}: {note}" if note else f"Observation {f.id}"
        ev = [Evidence(what=f"{what} {long}" if i == 0 and long else what,
                       source=CAT.evidence_sources[i % len(CAT.evidence_sources)],
                       date=DAY - dt.timedelta(days=i))]
        ratings[f.id] = FactorRating(rating=rating, evidence=ev, note=f"Note {f.id}")
    return ARMSAssessment(
        catalogue=CAT.ref, assessed_on=DAY, ratings=ratings,
        formulation=Formulation(past_offending="Isolation and alcohol came before the offences.",
                                warning_signs="Drinking alone; contact with a former associate.",
                                strengths="A steady job and a supportive sister.",
                                scenarios="Online contact with a teenager, evenings, at home."),
        priority=Priority(level="Medium", rationale="Assessor's view: stable but two risk "
                          f"factors are partly evident. {note}"),
        rm2000=StaticContext(s=result.s.category, v=result.v.category, c=result.c.category,
                             ruleset=result.ruleset))


def plan(note: str = "") -> RiskManagementPlan:
    return RiskManagementPlan(
        actions=[
            Action(pillar="supervision", description=f"Monthly home visit. {note}",
                   factors=["R5", "P3"], owner="MOSOVO officer", frequency="monthly",
                   outcome="Routine kept; no missed appointments"),
            Action(pillar="monitoring_control", description="Device checks under the SHPO",
                   factors=["R7"], owner="Digital media investigator", frequency="quarterly",
                   outcome="No prohibited apps found"),
            Action(pillar="interventions_treatment", description="Alcohol support referral",
                   factors=["R5", "P2"], owner="Probation", due=dt.date(2026, 12, 1),
                   outcome="Attends sessions"),
            Action(pillar="victim_safety", description="Brief the school safeguarding lead",
                   factors=["R7"], owner="Public protection unit", frequency="once",
                   outcome="School aware; plan agreed")],
        potential_victims=["Girls aged 12-15 met online"],
        contingencies=[Contingency(trigger="Found drinking alone", response="Unannounced visit",
                                   owner="MOSOVO officer")],
        legal=[LegalRequirement(kind="notification", terms="Notify address changes in 3 days"),
               LegalRequirement(kind="order", terms="SHPO: no unsupervised contact with under-16s",
                                end_date=dt.date(2031, 6, 14))],
        visits=VisitPlan(frequency="monthly", kind="mixed", reason="Mix tests honesty"),
        review=Review(date=dt.date(2027, 1, 15), early_triggers=["New relationship", "Move"]),
        rationale="Necessary and proportionate to the Medium priority.",
        mappa=MappaLayer(category=1, level=2, lead_agency="Probation",
                         partners=[MappaPartner(
                             agency="Children's social care",
                             role=f"Assesses any household with children {note}")],
                         level_review_triggers=["Licence recall"],
                         information_sharing=["Police and probation share under MAPPA"]),
        partner_assessments=[PartnerAssessment(tool="OASys RoSH", held_by="Probation",
                                               result="High risk of serious harm to children",
                                               date=dt.date(2026, 9, 1))])


@pytest.fixture
def url(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    return f"sqlite:///{tmp_path / 't.db'}"


def stored(url: str, reference: str = "Fictional Person A", note: str = "",
           reason: str = "New intelligence", long: str = "",
           result: RM2000Result | None = None) -> tuple[int, int]:
    """A person with a two-version plan assessment; version 2 signed and countersigned."""
    result = result or rm2000()
    payload = make_payload(rm2000_facts=FACTS, rm2000_result=result,
                           arms=arms(result, note, long),
                           plan=plan(note), quality={"Q9": Judgement(
                               score=2, reason="Sound", reviewer="Sgt B")})
    with open_store(url, user="alice") as alice:
        person = alice.create_person(reference, fictional=True)
        v1 = alice.create_assessment(person.id, "plan", payload, ruleset=result.ruleset)
        alice.save_version(v1.assessment_id, payload, "alice", reason, 1,
                           ruleset=result.ruleset)
        alice.sign(v1.assessment_id, 2)
    with open_store(url, user="bob") as bob:
        bob.countersign(v1.assessment_id, 2)
    return v1.assessment_id, 2


class _Page(HTMLParser):
    """Collects the tags, attributes, headings and visible text of a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._skip = tag in ("style", "title")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    @property
    def body(self) -> str:
        return " ".join(" ".join(self.text).split())

    def names(self) -> list[str]:
        return [t for t, _ in self.tags]


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def squash(s: str) -> str:
    return " ".join(s.split())


# -- HTML ----------------------------------------------------------------------------------------

def test_html_report_has_every_section_and_the_marking(url):
    aid, version = stored(url)
    with open_store(url, user="carol") as store:
        report = ReportInput.from_version(store, aid, version)
    html = assessment_report_html(report)
    page = _Page(html)
    text = page.body
    assert '<html lang="en-GB">' in html
    header, footer = html.index("<header>"), html.index("<footer>")
    assert MARKING in html[header:html.index("</header>")]
    assert MARKING in html[footer:html.index("</footer>")]
    assert "@top-center" in html and "counter(pages)" in html  # marking on every printed page
    for expected in ["Fictional Person A", "fictional person", "Version 2 (the latest version)",
                     "Author alice", "Reason for change New intelligence",
                     "Signed by alice", "Countersigned by bob", "Sign-off state Countersigned",
                     "rm2000-ew-training@2.0.0", "/S (sexual reconviction)",
                     "Working, line by line", CAT.ref, "Observation R1", "the person",
                     "1 October 2026", "How the factors combined in past offending",
                     "Isolation and alcohol came before the offences.",
                     "Priority for work — the assessor's judgement", "Medium",
                     "two risk factors are partly evident", "never computes the priority",
                     "Actions: Supervision", "Actions: Victim safety planning",
                     "Monthly home visit", "MOSOVO officer", "monthly",
                     "Routine kept; no missed appointments", "Found drinking alone",
                     "SHPO: no unsupervised contact with under-16s", "14 June 2031",
                     "Mix tests honesty", "15 January 2027", "New relationship",
                     "Necessary and proportionate", "Plan quality", "rmp-quality-rubric@1.1.0",
                     "MAPPA and partnership", "Category 1: registered sexual offenders",
                     "Level 2: active multi-agency management", "Children's social care",
                     "Licence recall", "Police and probation share under MAPPA",
                     "Risk assessments held by partners (references only, not computed here)",
                     "OASys RoSH", "High risk of serious harm to children", "1 September 2026",
                     "inform professional judgement and do not decide", "Generated by carol"]:
        assert expected in text, expected
    for line in report.rm2000.working():
        assert squash(line) in text
    for cid in (f"Q{i}" for i in range(1, 11)):
        assert f" {cid} " in f" {text} "
    assert "incomplete" not in text  # a complete ARMS assessment shows no gap warning
    assert "percent" not in text.lower() and "%" not in text


def test_html_is_accessible_headings_in_order_and_tables_with_scope(url):
    aid, version = stored(url)
    with open_store(url) as store:
        page = _Page(assessment_report_html(ReportInput.from_version(store, aid, version)))
    levels = [int(t[1]) for t in page.names() if len(t) == 2 and t[0] == "h" and t[1].isdigit()]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))
    assert all(attrs.get("scope") in ("col", "row") for tag, attrs in page.tags if tag == "th")
    assert page.names().count("table") == page.names().count("caption") > 5


def test_hostile_free_text_is_escaped_in_html(url):
    aid, version = stored(url, reference=f"Person {HOSTILE}", note=HOSTILE,
                          reason=f"Changed {HOSTILE}")
    with open_store(url) as store:
        html = assessment_report_html(ReportInput.from_version(store, aid, version))
    page = _Page(html)
    assert {"script", "img", "b", "i"}.isdisjoint(page.names())
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    shown = f"{SCRIPT} {IMG} {BREAKOUT} [U+202E]gnp.exe {EMOJI} {ENTITY}"
    assert page.body.count(shown) >= 6  # reference, reason, evidence, rationale, action...
    assert "\u202e" not in html  # the override is shown as a code, so it cannot flip the text
    assert "&lt;script&gt;" in html and "&#34;&gt;&lt;b&gt;" in html


def test_long_text_and_unicode_survive_in_html():
    result = rm2000()
    report = ReportInput(person_reference="Łukasz Wiśniewski — עברית", kind="rm2000", version=1,
                         author="alice", created_at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC),
                         reason=LONG + "\n" + UNBROKEN, rm2000=result)
    page = _Page(assessment_report_html(report))
    assert "Łukasz Wiśniewski — עברית" in page.body
    assert "END-OF-LONG-TEXT" in page.body and UNBROKEN in page.body


def test_not_applicable_rm2000_is_shown_with_its_reason():
    result = score({"sex": "female", "age_at_assessment": 40, "sexual_appearances": 1,
                    "sexual_offence_aged_17_plus": True})
    assert not result.applicable
    report = ReportInput(person_reference="Fictional Person B", kind="rm2000", version=1,
                         author="alice", created_at=dt.datetime.now(dt.UTC), rm2000=result)
    text = _Page(assessment_report_html(report)).body
    assert "Applies to this person No" in text
    assert "Why RM2000 does not apply" in text and squash(result.reason) in text
    assert "/S (sexual reconviction)" not in text and "Very High" not in text
    pdf = squash(" ".join(pdf_pages(assessment_report_pdf(report, font=VERA))))
    assert squash(result.reason) in pdf and "Why RM2000 does not apply" in pdf


def test_arms_gaps_are_shown_plainly():
    result = rm2000()
    a = arms(result, R3="evident")
    a.ratings["R3"].evidence = []
    a.ratings["P2"].rating = None
    a.formulation.strengths = ""
    a.priority.rationale = ""
    report = ReportInput(person_reference="Fictional Person C", kind="arms", version=1,
                         author="alice", created_at=dt.datetime.now(dt.UTC), arms=a)
    text = _Page(assessment_report_html(report)).body
    assert "This ARMS assessment is incomplete (4 gaps)" in text
    for gap in ["Emotional congruence with children: rated Evident with no evidence",
                "Commitment to desist: not rated yet", "Strengths to build on: not written",
                "write why this priority was chosen"]:
        assert gap in text
    assert "Not rated" in text and "Not written" in text
    pdf = squash(" ".join(pdf_pages(assessment_report_pdf(report, font=VERA))))
    assert "This ARMS assessment is incomplete (4 gaps)" in pdf
    assert "Commitment to desist: not rated yet" in pdf


def test_stored_payload_problems_are_reported_never_hidden(url):
    with open_store(url, user="alice") as store:
        person = store.create_person("Fictional Person D", fictional=True)
        v1 = store.create_assessment(person.id, "rm2000", {"rm2000": {"facts": FACTS}})
        store.save_version(v1.assessment_id, {"arms": {"ratings": "oops"}, "plan": {}}, "alice",
                           "second", 1)
        first = ReportInput.from_version(store, v1.assessment_id, 1)
        second = ReportInput.from_version(store, v1.assessment_id)
    assert first.rm2000 is not None and first.rm2000.applicable
    text = _Page(assessment_report_html(first)).body
    assert "scored from the stored facts when this report was made" in text
    assert "superseded: the latest version is 2" in text
    text = _Page(assessment_report_html(second)).body
    assert "The stored ARMS assessment could not be read" in text
    assert "plan-quality profile is not shown" in text


def test_payload_round_trip_and_legacy_rm2000_shape():
    result = rm2000()
    parts = read_payload(make_payload(rm2000_facts=FACTS, rm2000_result=result,
                                      arms=arms(result), plan=plan(),
                                      quality={"Q10": Judgement(score=1)}))
    assert parts.rm2000 == result and parts.arms == arms(result) and parts.plan == plan()
    assert parts.judgements["Q10"].score == 1 and parts.notes == []
    legacy = read_payload({"facts": FACTS, "result": result.to_output()}, "rm2000")
    assert legacy.rm2000 == result


# -- PDF -----------------------------------------------------------------------------------------

def test_pdf_marks_every_page_numbers_pages_and_shows_hostile_text_literally(url):
    aid, version = stored(url, reference=f"Person {HOSTILE}", note=HOSTILE, long=LONG,
                          reason=f"Changed {HOSTILE} {UNBROKEN}")
    with open_store(url) as store:
        report = ReportInput.from_version(store, aid, version)
    pages = pdf_pages(assessment_report_pdf(report, font=VERA))
    n = len(pages)
    assert n >= 7
    for i, page in enumerate(pages, 1):
        assert page.count(MARKING) >= 2, f"page {i}"  # header and footer
        assert f"Page {i} of {n}" in page
    text = squash(" ".join(pages))
    shown = f"{SCRIPT} {IMG} {BREAKOUT} [U+202E]gnp.exe [U+1F600] {ENTITY}"
    assert text.count(shown) >= 6
    assert "<b>" in text and "Changed" in text
    assert "END-OF-LONG-TEXT" in text  # a table cell longer than a page is split, not lost
    assert "word1499" in text and "Observation P4" in text
    assert "".join(text.split()).count(UNBROKEN) >= 1  # long words wrap, never lost
    for expected in ["Signed by alice", "Countersigned by bob", "rm2000-ew-training@2.0.0",
                     "Priority for work — the assessor's judgement", "Actions: Supervision",
                     "Plan quality", "inform professional judgement and do not decide"]:
        assert expected in text, expected
    for line in report.rm2000.working():
        assert squash(line.replace("→", "->")) in text


def test_pdf_default_font_and_deterministic_output():
    report = ReportInput(person_reference="Łukasz Wiśniewski", kind="rm2000", version=1,
                         author="alice", created_at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC),
                         rm2000=rm2000(), generated_at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC))
    a = assessment_report_pdf(report, invariant=True)
    assert a == assessment_report_pdf(report, invariant=True)
    text = " ".join(pdf_pages(a))
    assert "Łukasz Wi" in text and "Page 1 of" in text
    meta = pypdf.PdfReader(io.BytesIO(a)).metadata
    assert MARKING in meta.title and "Łukasz" not in (meta.title or "")  # no personal data


# -- the MAPPA layer, follow-ups and stored formats (issue 15) -----------------------------------

def test_follow_up_for_insufficient_information_is_in_the_report():
    from rso_widgets.instruments.arms import FollowUp

    result = rm2000()
    a = arms(result)
    a.ratings["R1"] = FactorRating(rating="insufficient_information", follow_up=FollowUp(
        what=f"How he spends his evenings {SCRIPT}", source="His sister",
        due=dt.date(2026, 11, 2)))
    report = ReportInput(person_reference="Fictional Person E", kind="arms", version=1,
                         author="alice", created_at=dt.datetime.now(dt.UTC), arms=a)
    html = assessment_report_html(report)
    assert SCRIPT not in html
    text = _Page(html).body
    assert "Insufficient information: what to find out, from whom, by when" in text
    assert "How he spends his evenings <script>" in text and "2 November 2026" in text
    pdf = squash(" ".join(pdf_pages(assessment_report_pdf(report, font=VERA))))
    assert "His sister" in pdf and "2 November 2026" in pdf


def test_a_plan_without_mappa_says_so_and_the_pdf_shows_the_layer():
    result = rm2000()
    bare = plan().model_copy(update={"mappa": None, "partner_assessments": []})
    report = ReportInput(person_reference="Fictional Person F", kind="plan", version=1,
                         author="alice", created_at=dt.datetime.now(dt.UTC), plan=bare)
    text = _Page(assessment_report_html(report)).body
    assert "No MAPPA arrangements recorded" in text and "No partner assessments noted" in text
    report = report.model_copy(update={"plan": plan(), "arms": arms(result)})
    pdf = squash(" ".join(pdf_pages(assessment_report_pdf(report, font=VERA))))
    for expected in ("MAPPA and partnership", "Lead agency", "OASys RoSH", "Licence recall"):
        assert expected in pdf, expected


def test_payloads_stored_before_the_mappa_layer_and_follow_ups_still_load(url):
    """A version saved before issue 15: no `mappa`, no `partner_assessments`, an insufficient
    rating with no `follow_up`. It reads, reports, and scores Q7 as a gap — never an error."""
    result = rm2000()
    old_arms = arms(result).model_dump(mode="json")
    old_arms["ratings"]["R1"] = {"rating": "insufficient_information", "evidence": [],
                                 "note": ""}
    old_plan = plan().model_dump(mode="json")
    del old_plan["mappa"], old_plan["partner_assessments"]
    data = {"rm2000": {"facts": FACTS, "result": result.to_output()}, "arms": old_arms,
            "plan": old_plan}
    parts = read_payload(data)
    assert parts.notes == [] and parts.plan.mappa is None and parts.plan.partner_assessments == []
    assert parts.arms.ratings["R1"].follow_up is None
    with open_store(url, user="alice") as store:
        person = store.create_person("Fictional Person G", fictional=True)
        v = store.create_assessment(person.id, "plan", data, ruleset=result.ruleset)
        report = ReportInput.from_version(store, v.assessment_id)
    q7 = next(c for c in report.quality.criteria if c.id == "Q7")
    assert q7.score == 1 and any("no MAPPA layer" in m for m in q7.missing)
    text = _Page(assessment_report_html(report)).body
    assert "No MAPPA arrangements recorded" in text
    assert "rated Insufficient information with no follow-up" in text  # shown as a gap


def test_report_shows_the_ruleset_status_caveat(url):
    aid, version = stored(url)
    with open_store(url, user="carol") as store:
        report = ReportInput.from_version(store, aid, version)
    html = _Page(assessment_report_html(report)).body
    pdf = squash(" ".join(pdf_pages(assessment_report_pdf(report, font=VERA))))
    for text in (html, pdf):
        assert "Ruleset status training use; confirm against the licensed Scoring Guide" in text
        assert "Scored with an earlier ruleset" not in text


def test_a_result_scored_with_the_superseded_ruleset_keeps_its_label(url):
    """Stored under 1.0.0 (0–3 /C): the report shows that result, names the ruleset, and says
    what the current ruleset would give — it never re-labels the stored result."""
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset_ref

    old = score(FACTS, ruleset=load_rm2000_ruleset_ref("rm2000-ew-training@1.0.0"))
    assert (old.s.category, old.v.category, old.c.category) == ("High", "Medium", "High")
    aid, version = stored(url, result=old)
    with open_store(url, user="carol") as store:
        report = ReportInput.from_version(store, aid, version)
    html = _Page(assessment_report_html(report)).body
    pdf = squash(" ".join(pdf_pages(assessment_report_pdf(report, font=VERA))))
    for text in (html, pdf.replace("->", "→")):  # the PDF text layer spells the arrow "->"
        assert "Ruleset rm2000-ew-training@1.0.0" in text
        assert "/C (combined) High" in text  # as recorded
        assert "Scored with an earlier ruleset" in text
        assert "not the current rm2000-ew-training@2.0.0" in text
        assert "0–3 /C conversion" in text
        assert ("The same facts scored with rm2000-ew-training@2.0.0 would give: /S: High (no "
                "change); /V: Medium (no change); /C: High → Medium.") in text
