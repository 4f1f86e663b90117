"""The calibration record (issue 16) in a real browser: an assessor with ten practice cases sees
that they are calibrated and until when, draws a re-test pack of unseen cases and creates their
certificate; as a trainer (a single-user install has every role) they list who is due."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import assert_accessible, assert_no_traceback, private_server
from identities import open_as
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

USER = "browser.assessor"
APP = "voila/render/calibration_record.ipynb"
READY_TIMEOUT = 60_000
WAIT = 20_000
PRACTISED = 10


def seed(data: Path) -> None:
    """Ten RM2000 practice attempts, each agreeing with the key, the confidence marked."""
    from rso_widgets.calibration.feedback import Attempt, compare
    from rso_widgets.calibration.progress import record_attempt
    from rso_widgets.cases import load_cases
    from rso_widgets.store import db
    from rso_widgets.store.practice import SqlPracticeStore

    data.mkdir(parents=True)
    with open_as(f"sqlite:///{data / db.DB_FILENAME}", user=USER) as store:
        practice = SqlPracticeStore(store)
        for case in load_cases()[:PRACTISED]:
            attempt = Attempt.model_validate(
                {"facts": case.key_facts().model_dump(exclude_none=True)})
            practice.add_attempt(record_attempt(USER, case, attempt, compare(case, attempt),
                                                confidence={"S": "sure", "V": "sure",
                                                            "C": "fairly_sure"}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "calibration", USER, seed=seed) as srv:
        yield srv


def test_assessor_sees_their_status_draws_a_retest_pack_and_gets_a_certificate(page, server):
    page.goto(server.url + APP, wait_until="commit")
    draw = page.get_by_role("button", name="Draw a re-test pack", exact=True)
    draw.wait_for(state="visible", timeout=READY_TIMEOUT)
    assert_no_traceback(page)
    record = page.locator(".rso-cert-record")
    expect(record).to_contain_text("RM2000: calibrated", timeout=WAIT)
    expect(record).to_contain_text("valid until")
    expect(record).to_contain_text("local policy")
    assert_accessible(page)
    draw.click()
    pack = page.locator(".rso-retest-pack li")
    expect(pack).to_have_count(5, timeout=WAIT)
    seen = {f"TC-{n:02d}:" for n in range(1, PRACTISED + 1)}
    assert not any(item.split(" ")[0] in seen for item in pack.all_inner_texts())
    page.get_by_label("Report format").first.select_option(label="HTML web page")
    page.get_by_role("button", name="Create the certificate").first.click()
    expect(page.locator("a.rso-download").first).to_be_visible(timeout=WAIT)
    # the trainer's part of the page: who is due
    expect(page.get_by_role("heading", name="For trainers: who is due for a re-test")
           ).to_be_visible()
    page.get_by_role("button", name="Show who is due").click()
    expect(page.locator(".rso-due-list")).to_contain_text("Calibrated", timeout=WAIT)
    assert_no_traceback(page)
    assert_accessible(page)
