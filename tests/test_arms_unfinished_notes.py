"""An ARMS evidence note written without its source on the widget pages (the `ARMSForm`): never
left out of a workshop submission (`apps/workshop_answers.py`) or a practice comparison
(`apps/arms_practice.py`) without a word. Refused in the room page's words
(`instruments.arms.note_source_problem`), with every other problem of the same submit, in the
status line, the error summary and beside the row; the note stays in the draft; once its
source is chosen it is submitted. (The ARMS record page's save already refused every gap.)
The refused submission's error summary lists only what blocks it, the room page's set."""

from __future__ import annotations

import pytest
from identities import open_as
from test_workshop import (
    BY_ID,
    CASES,
    N_BOOT,
    RULESET,
    arms_ratings,
    joined,
    make_arms_workshop,
    rate,
)

from rso_widgets.apps.workshop_trainer import TrainerDashboardApp
from rso_widgets.calibration.workshop import draft_key, submission_parts
from rso_widgets.instruments.arms import note_source_problem, notes_refusal

DAY = BY_ID["TC-02"].assessment_date


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'workshop.sqlite'}"


@pytest.fixture
def trainer(url, tmp_path):
    with open_as(url, user="trainer.one") as store:
        yield TrainerDashboardApp(store, CASES, "trainer.one", n_boot=N_BOOT,
                                  exports_dir=tmp_path / "exports", ruleset=RULESET)


def test_the_wording_is_the_room_pages():
    assert note_source_problem("R4", 2) == "Select where R4 evidence note 2 came from"
    assert notes_refusal([]) is None
    assert notes_refusal(["Select where R4 evidence note 2 came from"]) == (
        "Finish or remove the evidence note you wrote before you submit, or it would be left "
        "out: Select where R4 evidence note 2 came from.")


def test_a_note_without_its_source_stops_the_submission_with_every_other_problem(trainer, url):
    cohort = make_arms_workshop(trainer, {"TC-02": ("arms",)})
    app = joined(url, cohort.join_code, "Nia", user="user.nia")
    app.open_case("TC-02")
    rate(app, {fid: r for fid, r in arms_ratings("TC-02").items() if fid != "R6"})
    evidence = app.arms.sections["R4"].evidence
    done = evidence.add_row()
    done.what.value, done.source.value, done.date.value = "Polite at interview", "the person", DAY
    note = evidence.add_row()  # note 2: written and dated, no source
    note.what.value, note.date.value = "Calm and polite at every visit", DAY
    app.arms.sections["P1"].evidence.add_row()  # an empty row: only a place to type
    assert app.submit() is None
    # refused, every problem at once: the unrated factor and the note, in the room's words
    words = "Select where R4 evidence note 2 came from"
    assert "R6 Negative social influences: not rated yet" in app.status.value
    assert words in app.status.value and "would be left out" in app.status.value
    assert words in app.arms.summary.text and "Negative social influences" in \
        app.arms.summary.text
    go = {b.label: b.description for b in app.arms.summary.links}
    assert go["R4 evidence note 2"] == words  # the message is the link to the row
    assert words in note.status.value and "Error" in note.status.value  # beside the row
    assert "P1" not in app.status.value  # the empty row is not a note
    assert app.store.submissions(cohort.id, member_id=app.member.id) == []
    # kept in the draft (typing in an unfinished note is an edit the page saves)
    draft = app.store.get_draft(draft_key(cohort.id, app.member.id, "TC-02")).data
    assert draft["arms_pending"]["R4"][0]["what"] == "Calm and polite at every visit"
    # only the note left: still refused, said on its own
    app.arms.sections["R6"].rating.value = "not_evident"
    assert app.submit() is None
    assert "Rate every ARMS factor" not in app.status.value and words in app.status.value
    # its source chosen: submitted with both notes
    note.source.value = "home visit"
    sub = app.submit()
    assert sub is not None, app.status.value
    _, arms = submission_parts(sub.attempt)
    assert [e["what"] for e in arms["ratings"]["R4"]["evidence"]] == [
        "Polite at interview", "Calm and polite at every visit"]


def test_arms_practice_does_not_compare_without_a_note_written_there():
    from rso_widgets.apps.arms import ARMSPractice

    app = ARMSPractice()
    app.picker.value = "TC-02"
    app.open_button.click()
    j = app.journey
    app.arms.sections["R1"].rating.value = "evident"
    row = app.arms.sections["R1"].evidence.add_row()
    row.what.value, row.date.value = "Talks about sex at every visit", DAY
    j.show_check_answers()
    j.submit_button.click()  # refused on the check page, the note's message a link
    assert j.current != "result" and app.feedback.feedback is None
    assert "Select where R1 evidence note 1 came from" in j.summary_box.text
    go = {b.label: b.description for b in j.summary_box.links}
    assert go["R1 evidence note 1"] == "Select where R1 evidence note 1 came from"
    assert app.submit() is None and "would be left out" in app.status.value
    row.source.value = "home visit"  # a partial attempt is still compared as it stands
    j.show_check_answers()
    j.submit_button.click()
    assert j.current == "result" and app.feedback.feedback is not None
    assert app.arms.value.ratings["R1"].evidence[0].source == "home visit"


def test_the_refused_summary_lists_only_what_blocks_as_the_room_page_does(trainer, url):
    from rso_widgets.serving.room.arms_forms import ArmsAnswers

    cohort = make_arms_workshop(trainer, {"TC-02": ("arms",)})
    app = joined(url, cohort.join_code, "Ola", user="user.ola")
    app.open_case("TC-02")
    rate(app, {fid: r for fid, r in arms_ratings("TC-02").items() if fid not in ("R2", "R6")})
    note = app.arms.sections["R4"].evidence.add_row()  # written and dated, no source
    note.what.value, note.date.value = "Calm and polite at every visit", DAY
    gaps = app.arms.gaps  # rated without evidence, formulation and priority not written, …
    assert any(g.field.startswith(("formulation.", "priority.")) for g in gaps)
    assert any(g.field == "ratings.R1.evidence" for g in gaps)
    assert app.submit() is None
    # the summary: every blocking problem at once, each a link to its field, and nothing else
    room = ArmsAnswers(app.arms.cat, app.arms.value, app.arms.pending())
    blocking = [p.message for p in room.missing() + room.entry_problems()]
    assert sorted(app.arms.summary.items) == sorted(blocking)
    assert len(blocking) == 3 and note_source_problem("R4", 1) in blocking
    links = [b.label for b in app.arms.summary.links]
    names = {fid: app.arms.sections[fid].factor.name for fid in ("R2", "R6")}
    assert links == [f"R2 {names['R2']}", "R4 evidence note 1",
                     f"R6 {names['R6']}"]  # in the page's order
    assert [b.description for b in app.arms.summary.links] == app.arms.summary.items
    assert app.arms.summary.items[0] == f"Rate R2 {names['R2']}"
    assert not any(w in app.arms.summary.text.lower() for w in ("formulation", "priority",
                                                               "without evidence"))
    # the rest stays advice: the completeness line, no error beside those fields
    assert "Incomplete" in app.arms.completeness.value
    assert "rso-factor-error" not in app.arms.sections["R1"]._dom_classes
    assert "rso-factor-error" in app.arms.sections["R2"]._dom_classes
    assert not any(f.error for f in app.arms.formulation_fields.values())
    assert not app.arms.priority_field.error
    # kept current: a factor rated leaves the summary at once
    app.arms.sections["R2"].rating.value = arms_ratings("TC-02")["R2"]
    assert len(app.arms.summary.items) == 2 and "R2" not in " ".join(app.arms.summary.items)
