"""Workshop mode in a real browser: a trainer creates a workshop, a trainee page joins with the
code and submits one case, and the trainer's dashboard shows it (on its own for the join, after
Refresh now for the submission). Its own server, so the database lives in a temp folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import assert_no_traceback, private_server
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

pytestmark = pytest.mark.browser

TRAINER = "voila/render/trainer_dashboard.ipynb"
TRAINEE = "voila/render/workshop.ipynb"
READY_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def workshop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWorkbooks]:
    with private_server(tmp_path_factory, "workshop", "browser.trainer") as server:
        yield server



def test_trainer_sees_a_trainee_join_and_submit(chromium, workshop_server):
    trainer_ctx = chromium.new_context(viewport={"width": 1200, "height": 900})
    trainee_ctx = chromium.new_context(viewport={"width": 1200, "height": 900})
    try:
        # the trainer creates a workshop with one case
        tp = trainer_ctx.new_page()
        tp.set_default_timeout(30_000)
        tp.goto(workshop_server.url + TRAINER, wait_until="commit")
        create = tp.get_by_role("button", name="Create the workshop", exact=True)
        create.wait_for(state="visible", timeout=READY_TIMEOUT)
        assert_no_traceback(tp)
        tp.get_by_label("Workshop name").fill("Browser calibration")
        cases = tp.get_by_label("Cases to score")
        label = cases.locator("option", has_text="TC-02:").first.inner_text()
        cases.select_option(label=label)
        create.click()
        code_el = tp.locator(".rso-join-code")
        code_el.wait_for(state="visible", timeout=READY_TIMEOUT)
        code = code_el.inner_text().strip()
        assert len(code) == 6
        expect(tp.locator(".rso-roster")).to_have_count(0)
        expect(tp.locator(".rso-roster-view")).to_contain_text("Nobody has joined yet")

        # a trainee joins with the code (typed in lower case) and scores TC-02
        pg = trainee_ctx.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(workshop_server.url + TRAINEE, wait_until="commit")
        join = pg.get_by_role("button", name="Join the workshop", exact=True)
        join.wait_for(state="visible", timeout=READY_TIMEOUT)
        pg.get_by_label("Join code").fill(code.lower())
        pg.get_by_label("Your display name").fill("Alex <b>P</b>")
        join.click()
        open_case = pg.get_by_role("button", name="Open this case", exact=True)
        open_case.wait_for(state="visible")
        expect(pg.get_by_text("Workshop: Browser calibration")).to_be_visible()
        open_case.click()
        pg.locator(".rso-workshop-case", has_text="Scoring TC-02").wait_for()

        # the trainer's page notices the join on its own (the browser-driven timer)
        expect(tp.locator(".rso-roster-counts")).to_contain_text("1 trainee joined",
                                                                 timeout=40_000)
        roster = tp.locator(".rso-roster")
        expect(roster).to_contain_text("Rater 1")
        assert "Alex" not in tp.locator("body").inner_text()  # anonymous by default

        pg.get_by_label("Sex", exact=True).select_option("Male")
        pg.get_by_label("Sexual offence committed aged 17 or over").select_option("Yes")
        pg.get_by_label("Age at assessment").fill("27")
        pg.get_by_label("Age at commencement of risk").fill("24")
        pg.get_by_label("Sexual appearances").fill("1")
        pg.get_by_label("Criminal appearances").fill("2")
        pg.get_by_label("Violent appearances").fill("0")
        pg.get_by_label("Any conviction for burglary").select_option("No")
        for factor in ("Sexual offence against a male", "Sexual offence against a stranger",
                       "Non-contact sexual offence", "Single"):
            pg.get_by_label(factor, exact=True).select_option("No")
        pg.get_by_role("button", name="Submit your answers").click()
        expect(pg.get_by_text("Submitted TC-02")).to_be_visible()
        body = pg.locator("body").inner_text()
        assert "The key's reasoning" not in body and "Your feedback on" not in body
        expect(pg.locator(".rso-feedback-headline")).to_have_count(0)
        assert_no_traceback(pg)
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(pg, context=".rso-workshop-trainee")
        assert results.violations_count == 0, results.generate_report()

        # the trainer refreshes and sees the submission
        tp.get_by_role("button", name="Refresh now", exact=True).click()
        expect(roster).to_contain_text("Submitted", timeout=40_000)
        expect(roster).to_contain_text("1 of 1")
        expect(tp.locator(".rso-statistics")).to_contain_text("not enough data",
                                                              timeout=30_000)
        expect(tp.locator(".rso-statuses")).to_contain_text("Not enough cases yet",
                                                            timeout=30_000)
        assert_no_traceback(tp)
        results = Axe().run(tp, context=".rso-trainer-dashboard")
        assert results.violations_count == 0, results.generate_report()
    finally:
        trainee_ctx.close()
        trainer_ctx.close()
