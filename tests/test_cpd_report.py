"""CPD portfolio (HTML and PDF): every section, the marking on every page, typed text shown as
text, atomic audited export, access as for the CPD record."""

from __future__ import annotations

import datetime as dt
import io
from html.parser import HTMLParser

import pypdf
import pytest
from identities import open_as, store_as

from rso_widgets.calibration.progress import CategoryRecord, ErrorRecord, PracticeRecord
from rso_widgets.reports import MARKING
from rso_widgets.reports.cpd import (
    cpd_portfolio_html,
    cpd_portfolio_pdf,
    cpd_view,
    export_path,
    write_cpd_portfolio,
)
from rso_widgets.settings import get_settings
from rso_widgets.store import AccessDenied
from rso_widgets.store.cpd import cpd_record
from rso_widgets.store.practice import SqlPracticeStore
from rso_widgets.supervision.validation import today_in_england

TODAY = today_in_england()
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
RTL = "\u202egnp.exe"
SKILLS = ("empathy", "warmth", "respect", "rewarding_progress", "directive_not_hostile",
          "explaining_purpose")


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def as_user(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    get_settings.cache_clear()
    base = open_as(f"sqlite:///{tmp_path / 'wb.sqlite'}", user="admin")
    yield lambda user: store_as(base.engine, user=user)
    base.close()
    get_settings.cache_clear()


@pytest.fixture
def alex(as_user):
    """Alex: practice, two sessions, an observation with hostile evidence, a reviewed goal."""
    lee = as_user("lee").supervision
    lee.add_team_member(lee.create_team("North").id, "alex", supervisor="sam")
    alex = as_user("alex")
    practice = SqlPracticeStore(alex)
    for n, agrees in enumerate((False, True)):
        practice.add_attempt(PracticeRecord(
            user="alex", case_id="TC-02",
            at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=n),
            ruleset="rm2000-ew-training@1.0.0", attempt={"facts": {"sex": "male"}},
            agrees=agrees, categories=[CategoryRecord(scale="S", trainee="Medium",
                                                      key="Medium", distance=0)],
            errors=[] if agrees else [ErrorRecord(row="s1", item="sexual_appearances",
                                                  type="coding")]))
    sup = alex.supervision
    s1 = sup.create_session({"supervisor": "sam", "assessor": "alex", "held_on": days(-40),
                             "agenda": [{"topic": "skills"}]})
    sup.create_session({"supervisor": "sam", "assessor": "alex", "held_on": days(-5)})
    as_user("pat").supervision.record_observation({
        "assessor": "alex", "observed_on": days(-10), "context": "home_visit",
        "ratings": {s: {"level": "established", "evidence": f"Seen {SCRIPT} {RTL}"}
                    for s in SKILLS},
        "strengths": [f"Warm {IMG}"], "development_points": ["Explain the purpose first"]})
    sam = as_user("sam").supervision
    goal = sam.set_goal(s1.id, {"text": f"Reward progress {SCRIPT}", "measure": "Rated "
                                "Established", "target_on": days(30)})
    sam.review_goal(goal.id, {"status": "in_progress", "note": "Good start",
                              "evidence": [{"kind": "other", "note": "Named two changes"}]})
    return alex


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_has_every_section_and_typed_text_is_text(alex):
    html = cpd_portfolio_html(cpd_record(alex, "alex"))
    assert html.count(MARKING) >= 3  # title, header, footer
    for title in ("About this record", "Training and calibration against the keys",
                  "Observations of practice", "Development goals", "Supervision attended"):
        assert title in html
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.text)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert SCRIPT in text and IMG in text  # shown literally
    assert "[U+202E]" in text and "\u202e" not in text  # hidden direction change made visible
    assert "Practitioner:" in text and "alex" in text
    assert "Coding (a fact read wrongly)" in text and "Established" in text
    assert "In progress" in text and "Named two changes" in text
    assert f"{days(-40).day} {days(-40):%B %Y}" in text  # supervision dates held
    assert "not a judgement of competence" in text


def test_pdf_is_marked_on_every_page_and_deterministic(alex):
    rec = cpd_record(alex, "alex")
    pdf = cpd_portfolio_pdf(rec, invariant=True)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        assert page.extract_text().count(MARKING) >= 2
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Reward progress <script>" in text and "Observations of practice" in text
    assert reader.metadata.title.startswith(MARKING)
    assert cpd_portfolio_pdf(rec, invariant=True) == pdf


def test_an_empty_record_says_none_recorded(as_user):
    rec = cpd_record(as_user("newcomer"), "newcomer")
    view = cpd_view(rec)
    html = cpd_portfolio_html(rec)
    assert [s.id for s in view.sections] == ["about", "training", "observations", "goals",
                                             "supervision"]
    assert html.count("None recorded yet") >= 4
    assert cpd_portfolio_pdf(rec).startswith(b"%PDF")


def test_export_is_atomic_audited_and_access_checked(alex, as_user, tmp_path):
    out = write_cpd_portfolio(alex, "alex", tmp_path / "alex.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    entry = alex.audit_entries(1)[-1]
    assert (entry.user, entry.action, entry.entity, entry.entity_id, entry.detail["format"]) \
        == ("alex", "export", "cpd_record", "alex", "pdf")
    # the supervisor may export it; someone else may not, and no file is left behind
    write_cpd_portfolio(as_user("sam"), "alex", tmp_path / "by-sam.html")
    with pytest.raises(AccessDenied):
        write_cpd_portfolio(as_user("bo"), "alex", tmp_path / "bo.html")
    assert not (tmp_path / "bo.html").exists()
    assert not list(tmp_path.glob(".*.part"))
    with pytest.raises(ValueError, match=r"use \.html or \.pdf"):
        write_cpd_portfolio(alex, "alex", tmp_path / "alex.docx")


def test_team_lead_exports_only_with_consent(alex, as_user, tmp_path):
    lee = as_user("lee")
    with pytest.raises(AccessDenied):
        write_cpd_portfolio(lee, "alex", tmp_path / "lee.html")
    alex.supervision.set_consent(True)
    assert write_cpd_portfolio(lee, "alex", tmp_path / "lee.html").exists()


def test_export_path_is_safe_and_owner_only(tmp_path):
    p = export_path(tmp_path / "exports", "../../etc/pass wd", "pdf",
                    dt.datetime(2026, 11, 2, 14, 5, tzinfo=dt.UTC))
    assert p.parent == tmp_path / "exports"
    assert p.name == "cpd-portfolio-etc-pass-wd-20261102-140500.pdf"
    assert (p.parent.stat().st_mode & 0o777) == 0o700
