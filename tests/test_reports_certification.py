"""The calibration certificate (issue 16): states the validity period, labels the thresholds
and validity as local policy, escapes the name, and comes as HTML and PDF."""

from __future__ import annotations

import datetime as dt

from rso_widgets.calibration.certification import CaseResult, CertificationPolicy, certification
from rso_widgets.reports.certification import certificate_html, certificate_pdf, certificate_view
from rso_widgets.store.certification import PersonRecord

D0 = dt.date(2026, 1, 10)


def person(days_after: int = 0) -> PersonRecord:
    at = dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)
    results = [CaseResult(user="amy", instrument="rm2000", source="practice", case_id=f"TC-{n}",
                          at=at, compared=3, agreed=3, exact=3, max_distance=0)
               for n in range(10)]
    today = D0 + dt.timedelta(days=days_after)
    policy = CertificationPolicy(valid_days=365, due_days=60)
    return PersonRecord(user="amy", results=results, problems=[], records={
        i: certification("amy", results, i, today, policy) for i in ("rm2000", "arms")})


def test_the_certificate_states_its_validity_and_local_policy() -> None:
    html = certificate_html(person(), "DS Amy <Reed>")
    assert "10 January 2026" in html and "10 January 2027" in html
    assert "valid from 10 January 2026 to 10 January 2027 inclusive" in html
    assert "Validity is local policy: a calibration lasts 365 days" in html
    assert "Thresholds are local policy" in html
    assert "DS Amy &lt;Reed&gt;" in html and "<Reed>" not in html
    assert "does not certify competence" in html


def test_a_lapsed_certificate_says_so() -> None:
    view = certificate_view(person(400), "Amy")
    status = view.sections[0]
    assert status.parts[0].rows[0][1] == "Lapsed: a re-test is needed"
    assert status.intro[0].endswith("(lapsed).")


def test_pdf() -> None:
    data = certificate_pdf(person(), "Amy", invariant=True)
    assert data.startswith(b"%PDF") and len(data) > 1000
