"""Hostile typed text in every free-text field of every app and export (issue 8, Security).

Data-driven: each surface lists its free-text fields (one line each) and every payload goes into
all of them at once, each tagged with its field, then the test checks
  (a) the page: every HTML value holds the text escaped, never live markup;
  (b) the HTML report, the CPD portfolio and certificates;
  (c) the PDF text (pypdf) shows it literally;
  (d) CSV and XLSX exports: formula-leading cells quote-prefixed, no XLSX formula cells;
  (e) the store gives the text back exactly, or refuses it with a message naming the field
      (control characters, broken characters, over-long text: `rso_widgets/freetext.py`).
`test_every_text_box_is_in_the_inventory` fails when a new Text/Textarea appears in a widget or
app module without being listed in INVENTORY (and so without a hostile-input check).
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import ipywidgets as w
import openpyxl
import pandas as pd
import pytest
from identities import open_as

from rso_widgets.freetext import MAX_TEXT, FreeTextError, check_tree, clean_free_text
from rso_widgets.settings import PACKAGE_DIR, get_settings

# --- payloads --------------------------------------------------------------------------------

STORED = {  # kept exactly and shown as text
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "attribute-break": '" onmouseover="alert(1)" data-x="',
    "hyperlink": '=HYPERLINK("http://example.invalid","click")',
    "plus-cmd": "+cmd|' /C calc'!A0",
    "minus": "-1+1",
    "at-sum": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "unicode": "RTL \u202eevil\u202c, ZWJ 👩\u200d👩\u200d👧, e\u0301, עברית, 🙂",
}
REFUSED = {  # refused with a message naming the field (freetext.py)
    "nul": "before\x00after",
    "bell": "ring\x07ring",
    "escape": "\x1b[31mred",
    "lone-surrogate": "half \ud800 pair",
    "100k": "x" * 100_000,
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def tagged(payload: str, field: str) -> str:
    """The payload first (so formula starts stay first), then the field it went into."""
    return f"{payload} [{field}]"


def walk(widget: Any, seen: set[int] | None = None):
    """Every widget under `widget`, once; a task list's sections opened so far count too."""
    from rso_widgets.widgets.tasklist import TaskListJourney

    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child, seen)
    if isinstance(widget, TaskListJourney):
        for built in list(widget.built.values()):
            yield from walk(built, seen)


def open_every_section(page: Any) -> None:
    """Open each section of every task list on `page` (as a person would, one by one)."""
    from rso_widgets.widgets.tasklist import TaskListJourney

    for journey in [x for x in walk(page) if isinstance(x, TaskListJourney)]:
        for section in journey.sections:
            journey.open_section(section.key)
        journey.show_task_list()


def page_html(*roots: Any) -> str:
    """Every HTML value (HTML, HTMLMath, Output HTML) under the roots: what the browser renders
    as markup."""
    out = []
    for root in roots:
        for x in walk(root):
            if isinstance(x, w.HTML | w.HTMLMath):
                out.append(x.value)
            elif isinstance(x, w.Output):
                out += [str(o.get("data", {}).get("text/html", "")) for o in x.outputs]
    return "\n".join(out)


class _Tags(HTMLParser):
    """Every element and attribute a browser would build from the markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img", "iframe", "svg", "object", "embed"):
            self.bad.append(f"<{tag}>")
        self.bad += [f"<{tag} {k}=...>" for k, v in attrs if k.startswith("on")
                     or (v or "").strip().lower().startswith("javascript:")]


def assert_inert(markup: str, texts: list[str], where: str) -> None:
    """No script-capable element or event-handler attribute in the markup, and each text that
    contains markup shown escaped, never raw."""
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    assert not parser.bad, f"{where}: live markup {parser.bad}"
    for t in texts:
        if "<" in t or '"' in t:
            assert t not in markup, f"{where}: raw {t!r}"


def shown(text: str, markup: str) -> bool:
    """Whether `text` appears in the markup as text (escaped), line breaks and spacing aside."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return " ".join(text.split()) in plain


# --- the policy itself -------------------------------------------------------------------------

@pytest.mark.parametrize("name", STORED)
def test_printable_text_is_kept_exactly(name):
    assert clean_free_text(STORED[name], "note") == STORED[name]
    check_tree({"a": [STORED[name]], "b": {"c": STORED[name]}})


@pytest.mark.parametrize("name, expect", [
    ("nul", "control character (U+0000) at character 7"),
    ("bell", "control character (U+0007) at character 5"),
    ("escape", "control character (U+001B) at character 1"),
    ("lone-surrogate", "broken character (U+D800"),
    ("100k", "is 100,000 characters long; the limit is 20,000")])
def test_control_broken_and_over_long_text_is_refused_naming_the_field(name, expect):
    with pytest.raises(FreeTextError) as exc:
        clean_free_text(REFUSED[name], "arms.priority.rationale")
    assert str(exc.value).startswith("arms.priority.rationale ") and expect in str(exc.value)
    assert " — fix: " in str(exc.value)
    with pytest.raises(FreeTextError, match=r"^plan\.actions\[1\]\.owner "):
        check_tree({"plan": {"actions": [{"owner": "ok"}, {"owner": REFUSED[name]}]}})
    assert MAX_TEXT == 20_000


# --- the inventory -----------------------------------------------------------------------------

#: Every Text/Textarea in a widget or app module (module:function:target) → the checks covering
#: it: a field id of a surface below, or "number"/"code" for boxes that hold no free text (they
#: are covered by the page-wide fuzz in test_every_box_on_each_page_shows_hostile_text_inert).
INVENTORY = {
    "apps/arms_record.py:__init__:reason": "live:version.reason",
    "apps/live_assessment.py:__init__:change_text": "live:arms.change_reason",
    "widgets/person_finder.py:__init__:reference": "live:person.reference",
    "widgets/rm2000_controls.py:_number:box": "number",
    "widgets/rm2000_controls.py:_about_fields:sex_other": "calculator:sex_other",
    "widgets/rm2000_controls.py:_factor_fields:box": "live:rm2000.evidence.single",
    "widgets/history.py:__init__:offence": "calculator:history.offence",
    "widgets/own_result.py:_points:box": "number",
    "widgets/arms_factor.py:__init__:what": "live:arms.ratings.{E}.evidence[0].what",
    "widgets/arms_factor.py:__init__:note": "live:arms.ratings.R1.note",
    "widgets/arms_form.py:__init__:box": "live:arms.formulation.past_offending",
    "widgets/arms_form.py:__init__:rationale": "live:arms.priority.rationale",
    "widgets/plan_rows.py:__init__:description": "live:plan.actions[0].description",
    "widgets/plan_rows.py:__init__:owner": "live:plan.actions[0].owner",
    "widgets/plan_rows.py:__init__:frequency": "live:plan.actions[0].frequency",
    "widgets/plan_rows.py:__init__:outcome": "live:plan.actions[0].outcome",
    "widgets/plan_rows.py:__init__:trigger": "live:plan.contingencies[0].trigger",
    "widgets/plan_rows.py:__init__:response": "live:plan.contingencies[0].response",
    "widgets/plan_rows.py:__init__:terms": "live:plan.legal[0].terms",
    "widgets/plan_builder.py:__init__:t": "live:plan.pillar_omissions.victim_safety",
    "widgets/plan_builder.py:__init__:victims": "live:plan.potential_victims[0]",
    "widgets/plan_builder.py:__init__:visit_frequency": "live:plan.visits.frequency",
    "widgets/plan_builder.py:__init__:visit_reason": "live:plan.visits.reason",
    "widgets/plan_builder.py:__init__:review_triggers": "live:plan.review.early_triggers[0]",
    "widgets/plan_builder.py:__init__:rationale": "live:plan.rationale",
    "widgets/arms_follow_up.py:_build:what": "live:arms.ratings.R1.follow_up.what",
    "widgets/arms_follow_up.py:_build:source": "live:arms.ratings.R1.follow_up.source",
    "widgets/plan_mappa.py:__init__:lead": "live:plan.mappa.lead_agency",
    "widgets/plan_mappa.py:__init__:agency": "live:plan.mappa.partners[0].agency",
    "widgets/plan_mappa.py:__init__:role": "live:plan.mappa.partners[0].role",
    "widgets/plan_mappa.py:__init__:triggers": "live:plan.mappa.level_review_triggers[0]",
    "widgets/plan_mappa.py:__init__:sharing": "live:plan.mappa.information_sharing[0]",
    "widgets/plan_mappa.py:__init__:held_by": "live:plan.partner_assessments[0].held_by",
    "widgets/plan_mappa.py:__init__:result": "live:plan.partner_assessments[0].result",
    # supervision forms build every box through supervision_forms.text_box
    "widgets/supervision_forms.py:text_box:return": "supervision:*",
    "widgets/workshop_setup.py:__init__:name": "workshop:workshop.name",
    "widgets/workshop_setup.py:__init__:code": "code",
    "widgets/workshop_setup.py:__init__:room": "number",
    "widgets/workshop_join.py:__init__:code": "code",
    "widgets/workshop_join.py:__init__:name": "workshop:member.display_name",
    "widgets/values_reflection.py:__init__:notes": "reflection:values.notes",
    # the case editor builds every text box through _text_box (short, long or YAML)
    "widgets/case_editor.py:_text_box:return": "case_editor:*",
}
BOX_CALLS = {"Text", "Textarea"}


def _text_boxes(path: Path) -> list[str]:
    """module:function:target for every `w.Text(...)` / `w.Textarea(...)` call in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []

    def visit(node: ast.AST, func: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            value = getattr(child, "value", None)
            if isinstance(child, ast.Assign | ast.AnnAssign | ast.Return) and \
                    isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
                    value.func.attr in BOX_CALLS:
                if isinstance(child, ast.Return):
                    target = "return"
                else:
                    t = child.targets[0] if isinstance(child, ast.Assign) else child.target
                    target = t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "?")
                out.append(f"{path.parent.name}/{path.name}:{func}:{target}")
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and \
                    child.func.attr in BOX_CALLS and not isinstance(node, ast.Assign | ast.Return):
                out.append(f"{path.parent.name}/{path.name}:{func}:?{child.lineno}")
            visit(child, func)
    visit(tree, "")
    return out


def test_every_text_box_is_in_the_inventory():
    found = [b for folder in ("widgets", "apps")
             for p in sorted((PACKAGE_DIR / folder).glob("*.py")) for b in _text_boxes(p)]
    assert len(found) >= 25  # the scan itself works
    missing = sorted(set(found) - set(INVENTORY))
    assert not missing, ("new text boxes: add each to INVENTORY and to a surface's field list "
                         f"below, so hostile input is checked there: {missing}")
    stale = sorted(set(INVENTORY) - set(found))
    assert not stale, f"INVENTORY lists text boxes that no longer exist: {stale}"
    for key, covered in INVENTORY.items():
        surface, _, field = covered.partition(":")
        if surface in ("number", "code"):
            continue
        assert field == "*" or field in SURFACE_FIELDS[surface], (key, covered)


# --- surfaces and their free-text fields (one line per field) ----------------------------------

LIVE_FIELDS = [  # the live assessment: person record → RM2000 → ARMS → plan → versions
    "person.reference",
    "version.reason",
    "rm2000.evidence.single", "rm2000.evidence.male_victim", "rm2000.evidence.stranger_victim",
    "arms.ratings.R1.note",
    "arms.ratings.R1.follow_up.what", "arms.ratings.R1.follow_up.source",  # R1: insufficient
    "arms.ratings.{E}.evidence[0].what",  # {E}: the first factor the key gives evidence for
    "arms.formulation.past_offending", "arms.formulation.warning_signs",
    "arms.formulation.strengths", "arms.formulation.scenarios",
    "arms.priority.rationale",
    "arms.change_reason",  # "what changed" on a reassessment
    "plan.actions[0].description", "plan.actions[0].owner", "plan.actions[0].frequency",
    "plan.actions[0].outcome",
    "plan.contingencies[0].trigger", "plan.contingencies[0].response",
    "plan.contingencies[0].owner",
    "plan.legal[0].terms",
    "plan.pillar_omissions.victim_safety",
    "plan.potential_victims[0]",
    "plan.visits.frequency", "plan.visits.reason",
    "plan.review.early_triggers[0]",
    "plan.rationale",
    "plan.mappa.lead_agency", "plan.mappa.partners[0].agency", "plan.mappa.partners[0].role",
    "plan.mappa.level_review_triggers[0]", "plan.mappa.information_sharing[0]",
    "plan.partner_assessments[0].tool", "plan.partner_assessments[0].held_by",
    "plan.partner_assessments[0].result",
]
CALCULATOR_FIELDS = ["sex_other", "history.offence", "rm2000.evidence.single"]
SUPERVISION_FIELDS = [
    "session.agenda[0].detail", "session.notes", "session.actions[0].text",
    "session.actions[0].owner", "observation.ratings.*.evidence", "observation.strengths[0]",
    "observation.development_points[0]", "observation.notes", "diary.text", "goal.text",
    "goal.measure", "goal_review.note",
]
#: Stored, but not shown on the supervision page (observations_html lists ratings, strengths and
#: development points only).
NOT_ON_SUPERVISION_PAGE = {"observation.notes"}
WORKSHOP_FIELDS = ["workshop.name", "member.display_name"]
REFLECTION_FIELDS = ["values.notes"]
CASE_EDITOR_FIELDS = ["title", "person.background.work", "documents.officer_notes"]
SURFACE_FIELDS = {"live": LIVE_FIELDS, "calculator": CALCULATOR_FIELDS,
                  "supervision": SUPERVISION_FIELDS, "workshop": WORKSHOP_FIELDS,
                  "reflection": REFLECTION_FIELDS, "case_editor": CASE_EDITOR_FIELDS}
#: Typed in the app and stored, but (by design) not printed in the assessment report.
NOT_IN_REPORT = {"rm2000.evidence.single", "rm2000.evidence.male_victim",
                 "rm2000.evidence.stranger_victim", "arms.change_reason"}
#: In the CSV/XLSX assessment export.
IN_TABLES = {"person.reference", "version.reason"}


def _steps(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def get_path(data: Any, path: str) -> Any:
    for step in _steps(path):
        data = data[step]
    return data


def set_path(data: Any, path: str, value: Any) -> None:
    *head, last = _steps(path)
    for step in head:
        data = data[step]
    data[last] = value


# --- the live assessment --------------------------------------------------------------------

RM_FACTS = {"sex": "male", "age_at_assessment": 61, "age_at_commencement": 56,
            "sexual_offence_aged_17_plus": True, "sexual_appearances": 1,
            "criminal_appearances": 1, "violent_appearances": 0, "burglary": False,
            "male_victim": False, "stranger_victim": False, "non_contact": False,
            "single": False}


def _key_parts() -> tuple[dict[str, Any], dict[str, Any], str]:
    from rso_widgets.cases import load_cases
    from rso_widgets.cases.arms_key import key_assessment, key_plan

    case = {c.id: c for c in load_cases()}["TC-01"]
    arms = key_assessment(case).model_dump(mode="json")
    plan = key_plan(case).model_dump(mode="json")
    plan["actions"] = [a for a in plan["actions"] if a["pillar"] != "victim_safety"]
    plan["partner_assessments"] = [{"tool": "OASys RoSH", "held_by": "Probation",
                                    "result": "Low", "date": "2025-09-01"}]
    with_evidence = next(f for f, r in arms["ratings"].items() if r["evidence"])
    return arms, plan, with_evidence


def live_texts(payload: str, with_evidence: str) -> dict[str, str]:
    """field path (with {E} filled in) → the text typed into it."""
    return {f.replace("{E}", with_evidence): tagged(payload, f) for f in LIVE_FIELDS}


def fill_live(app: Any, texts: dict[str, str], first: bool = True) -> None:
    """Type every text into the page: the person record, the three forms and the reason."""
    from rso_widgets.instruments.arms import ARMSAssessment
    from rso_widgets.instruments.plan import RiskManagementPlan

    arms, plan, _ = _key_parts()
    if first:
        app.reference.value = texts["person.reference"]
        app.find_button.click()
        app.create_button.click()
        assert app.person is not None, page_html(app)
        evidence = {k.split(".")[-1]: v for k, v in texts.items()
                    if k.startswith("rm2000.evidence.")}
        app.rm2000.set_facts(RM_FACTS, evidence)
        app.rm2000.submit()
    for path, text in texts.items():
        if path.startswith("arms.") and path != "arms.change_reason":
            set_path(arms, path.removeprefix("arms."), text)
        elif path.startswith("plan."):
            set_path(plan, path.removeprefix("plan."), text)
    rm = app.arms.value.rm2000
    app.arms.value = ARMSAssessment.model_validate(arms).model_copy(update={"rm2000": rm})
    app.plan.value = RiskManagementPlan.model_validate(plan)
    if not first:
        app.change_text.value = texts["arms.change_reason"]
    app.reason.value = texts["version.reason"]


def _live_app() -> Any:
    from rso_widgets.apps.live_assessment import LiveAssessmentApp

    return LiveAssessmentApp(today=dt.date(2025, 10, 6), autosave_seconds=0.0)


def _boxes_hold(app: Any, texts: dict[str, str]) -> list[str]:
    """Texts not found in any Text/Textarea of the page (each field must reach a box)."""
    values = {x.value for x in walk(app) if isinstance(x, w.Text | w.Textarea)}
    values |= {line for v in list(values) for line in v.split("\n")}
    return [f for f, t in texts.items() if t not in values and t.strip() not in values]


@pytest.mark.parametrize("name", STORED)
def test_live_assessment_keeps_hostile_text_exactly_and_shows_it_inert(data_dir, name):
    from pypdf import PdfReader

    from rso_widgets.reports.tables import export_assessments

    payload = STORED[name]
    _, _, with_evidence = _key_parts()
    texts = live_texts(payload, with_evidence)
    app = _live_app()
    open_every_section(app)
    fill_live(app, texts)
    typed_not_boxed = _boxes_hold(app, {k: v for k, v in texts.items()
                                        if k != "arms.change_reason"})
    assert not typed_not_boxed, f"fields that reached no text box: {typed_not_boxed}"
    app.save_button.click()
    assert "Saved as version 1" in app.save_status.value, page_html(app)[:3000]
    # a reassessment: "what changed", a second reason
    assert app.start_reassessment()
    second = {"arms.change_reason": texts["arms.change_reason"],
              "version.reason": tagged(payload, "version.reason.2"),
              "arms.priority.rationale": tagged(payload, "arms.priority.rationale.2")}
    fill_live(app, {**texts, **second}, first=False)
    app.save_button.click()
    assert "Saved as version 2" in app.save_status.value, page_html(app)[:3000]

    # (e) the store gives every text back exactly
    store = app.store
    person = store.get_person(app.person.id)
    v1, v2 = store.versions(app.assessment_id)
    stored = {"person.reference": person.reference, "version.reason": v1.reason}
    for path in texts:
        if path.startswith(("arms.", "plan.", "rm2000.")) and path != "arms.change_reason":
            stored[path] = get_path(v1.data, path)
    stored["arms.change_reason"] = v2.data["arms"]["change_reason"]
    # exactly as typed, or trimmed of surrounding spaces, tabs and line breaks (one-line fields)
    wrong = {p: (stored[p], t) for p, t in texts.items() if stored[p] not in (t, t.strip())}
    assert not wrong, wrong
    assert v2.reason == second["version.reason"].strip()

    # (a) the page: history, differences, caseload, status lines — inert
    app.finder.list_button.click()
    app.history.compare_button.click()
    markup = page_html(app)
    app.journey.show_check_answers()  # every answer again, in "Check your answers"
    markup += page_html(app)
    assert_inert(markup, [*texts.values(), *second.values()], "live assessment page")
    assert shown(second["arms.change_reason"].strip(), markup)

    # (b) the HTML report, (c) the PDF — of version 2
    app.version_pick.value = 2
    latest = {**texts, **second}
    app.report.format.value = "html"
    app.report.button.click()
    report = app.report.path.read_text(encoding="utf-8")
    assert_inert(report, list(latest.values()), "HTML report")
    app.report.format.value = "pdf"
    app.report.button.click()
    pdf = "\n".join(p.extract_text() for p in PdfReader(app.report.path).pages)
    pdf_flat = "".join(pdf.split())  # table cells wrap long words anywhere
    for path, text in latest.items():
        if path in NOT_IN_REPORT:
            continue
        if path in ("person.reference", "version.reason"):
            text = text.strip()
        assert shown(_visible(text), report), f"HTML report lacks {path}"
        if name != "unicode":  # the PDF font has no Hebrew or emoji glyphs to extract
            assert "".join(_visible(text).split()) in pdf_flat, f"PDF lacks {path}"
    if name == "unicode":
        assert "[U+202E]" in report and "[U+202E]" in pdf  # a bidi override made visible

    # (d) CSV and XLSX
    check_tables(export_assessments, store, data_dir, [texts[f].strip() for f in IN_TABLES])


def _visible(text: str) -> str:
    from rso_widgets.reports.text import visible

    return visible(text)


def check_tables(export: Any, store: Any, folder: Path, texts: list[str]) -> None:
    """CSV and XLSX: every text present, formula starts quote-prefixed, no formula cells."""
    csv_path = export(store, folder / "t.csv")
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    cells = [str(v) for v in df.to_numpy().ravel()]
    assert not [c for c in cells if c.startswith(FORMULA_START)], "formula start in CSV"
    book = openpyxl.load_workbook(export(store, folder / "t.xlsx"))
    xcells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in xcells if c.data_type == "f"], "formula cell in XLSX"
    xtexts = [c.value for c in xcells if isinstance(c.value, str)]
    assert not [t for t in xtexts if t.startswith(FORMULA_START)], "formula start in XLSX"
    for t in texts:
        want = "'" + t if t.lstrip(" ").startswith(FORMULA_START) else t
        assert want in cells, (t, "CSV")
        assert _visible(want) in xtexts or want in xtexts, (t, "XLSX")


@pytest.mark.parametrize("name", REFUSED)
def test_live_assessment_refuses_unstorable_text_naming_the_field(data_dir, name):
    _, _, with_evidence = _key_parts()
    texts = live_texts("fine", with_evidence)
    texts["arms.priority.rationale"] = REFUSED[name]
    app = _live_app()
    fill_live(app, texts)
    app.save_button.click()
    shown_text = html.unescape(page_html(app))
    assert "Saved as version" not in shown_text
    assert "Not saved: arms.priority.rationale " in shown_text, shown_text[:2000]
    assert " — fix: " in shown_text and "Traceback" not in shown_text
    assert app.assessment_id is None and app.store.assessments_for(app.person.id) == []
    assert app.arms.rationale.value == REFUSED[name]  # nothing typed is lost
    # the version reason and the person's reference are checked the same way
    texts["arms.priority.rationale"] = "fine"
    fill_live(app, texts, first=False)
    app.reason.value = "reason " + REFUSED[name]
    app.save_button.click()
    assert "Not saved: reason " in html.unescape(page_html(app))
    assert app.store.assessments_for(app.person.id) == []


# --- supervision: sessions, observations, diary, goals, CPD portfolio ------------------------

def _days(n: int) -> dt.date:
    from rso_widgets.supervision.validation import today_in_england

    return today_in_england() + dt.timedelta(days=n)


@pytest.fixture
def as_user(data_dir):
    """as_user("name") -> a Store acting as that user; Alex is supervised by Sam."""

    url = f"sqlite:///{data_dir.parent / 'supervision.sqlite'}"
    opened: list[Any] = []

    def make(user: str) -> Any:
        opened.append(open_as(url, user=user))
        return opened[-1]
    lee = make("lee").supervision
    team = lee.create_team("North")
    lee.add_team_member(team.id, "alex", supervisor="sam")
    yield make
    for s in opened:
        s.close()


def fill_supervision(as_user: Any, t: dict[str, str]) -> dict[str, Any]:
    """Every supervision free-text field through the domain API; the records made."""
    from rso_widgets.supervision.lists import load_observation_scale

    alex, sam = as_user("alex").supervision, as_user("sam").supervision
    session = alex.create_session({
        "supervisor": "sam", "assessor": "alex", "held_on": _days(-1),
        "agenda": [{"topic": "skills", "detail": t["session.agenda[0].detail"]}],
        "notes": t["session.notes"],
        "actions": [{"text": t["session.actions[0].text"],
                     "owner": t["session.actions[0].owner"], "due": _days(7)}]})
    skills = [s.id for s in load_observation_scale().skills]
    obs = sam.record_observation({
        "assessor": "alex", "observed_on": _days(-2), "context": "home_visit",
        "ratings": {s: {"level": "established", "evidence": t["observation.ratings.*.evidence"]}
                    for s in skills},
        "strengths": [t["observation.strengths[0]"]],
        "development_points": [t["observation.development_points[0]"]],
        "notes": t["observation.notes"]})
    diary = alex.write_diary_entry({"text": t["diary.text"], "event_on": _days(-1)})
    alex.share_diary_entry(diary.id, session.id)
    goal = alex.set_goal(session.id, {"text": t["goal.text"], "measure": t["goal.measure"],
                                      "target_on": _days(30)})
    review = alex.review_goal(goal.id, {"status": "in_progress",
                                        "note": t["goal_review.note"]})
    return {"session": alex.session(session.id), "observation": obs,
            "diary": alex.diary_entry(diary.id), "goal": review}


def supervision_texts(payload: str) -> dict[str, str]:
    return {f: tagged(payload, f) for f in SUPERVISION_FIELDS}


@pytest.mark.parametrize("name", STORED)
def test_supervision_keeps_hostile_text_exactly_and_shows_it_inert(as_user, name, data_dir):
    from pypdf import PdfReader

    from rso_widgets.apps.supervision import SupervisionApp

    t = supervision_texts(STORED[name])
    rec = fill_supervision(as_user, t)
    s, o, d, g = rec["session"], rec["observation"], rec["diary"], rec["goal"]
    stored = {
        "session.agenda[0].detail": s.agenda[0].detail, "session.notes": s.notes,
        "session.actions[0].text": s.actions[0].text,
        "session.actions[0].owner": s.actions[0].owner,
        "observation.ratings.*.evidence": next(iter(o.ratings.values())).evidence,
        "observation.strengths[0]": o.strengths[0],
        "observation.development_points[0]": o.development_points[0],
        "observation.notes": o.notes, "diary.text": d.text, "goal.text": g.text,
        "goal.measure": g.measure, "goal_review.note": g.history[-1].note}
    assert set(stored) == set(SUPERVISION_FIELDS)
    norm = {k: v.strip() for k, v in t.items()}  # owners and names are trimmed
    wrong = {k: (stored[k], t[k]) for k in t if stored[k] not in (t[k], norm[k])}
    assert not wrong, wrong

    for user in ("alex", "sam"):
        app = SupervisionApp(as_user(user))
        app.refresh()
        app.open_session(s.id)
        for part in ("observations_view", "diary_view", "goals_view"):
            getattr(app, part)  # build the lazily built parts
        app.refresh()
        app.open_session(s.id)
        markup = page_html(app)
        assert_inert(markup, list(t.values()), f"supervision page ({user})")
        if user == "alex":
            missing = [k for k, v in t.items() if not shown(v.strip(), markup)
                       and k not in NOT_ON_SUPERVISION_PAGE]
            assert not missing, f"not shown on the assessor's page: {missing}"
    alex = SupervisionApp(as_user("alex"))
    portfolio = alex.export_cpd("html").read_text(encoding="utf-8")
    assert_inert(portfolio, list(t.values()), "CPD portfolio")
    pdf = " ".join("\n".join(p.extract_text()
                             for p in PdfReader(alex.export_cpd("pdf")).pages).split())
    in_portfolio = [k for k, v in t.items() if shown(_visible(v.strip()), portfolio)]
    assert in_portfolio, "the CPD portfolio shows none of the typed text"
    if name != "unicode":
        lost = [k for k in in_portfolio if " ".join(_visible(t[k].strip()).split()) not in pdf]
        assert not lost, f"in the HTML portfolio but not the PDF: {lost}"


@pytest.mark.parametrize("field, name", [  # each field with one payload, each payload used
    (f, list(REFUSED)[n % len(REFUSED)]) for n, f in enumerate(SUPERVISION_FIELDS)])
def test_supervision_refuses_unstorable_text_naming_the_field(as_user, field, name):
    from rso_widgets.supervision.validation import InvalidRecord

    t = supervision_texts("fine")
    t[field] = REFUSED[name]
    with pytest.raises(InvalidRecord) as exc:
        fill_supervision(as_user, t)
    problem = exc.value.problems[0]
    assert problem.fix and ("control character" in problem.message or "broken character" in
                            problem.message or "characters long" in problem.message)
    leaf = re.sub(r"\[\d+\]|\*\.|^\w+\.", "", field).split(".")[-1]
    assert leaf in problem.field or field.split(".")[0] in ("goal_review",), problem


# --- workshops: workshop name, display names, roster, exports, certificates --------------------

@pytest.mark.parametrize("name", STORED)
def test_workshop_names_are_kept_and_shown_inert(data_dir, tmp_path, name):
    from pypdf import PdfReader

    from rso_widgets.apps.workshop_trainee import WorkshopTraineeApp
    from rso_widgets.apps.workshop_trainer import TrainerDashboardApp
    from rso_widgets.cases import load_cases
    from rso_widgets.widgets.workshop_live import roster_html

    cases = load_cases()
    t = {f: tagged(STORED[name], f) for f in WORKSHOP_FIELDS}
    url = f"sqlite:///{tmp_path / 'workshop.sqlite'}"
    trainer = TrainerDashboardApp(open_as(url, user="trainer.one"), cases, "trainer.one",
                                  n_boot=20, exports_dir=tmp_path / "exports")
    trainer.setup.name.value = t["workshop.name"]
    trainer.setup.case_select.value = ("TC-01",)
    cohort = trainer.create()
    assert cohort is not None, trainer.setup.summary.text
    assert cohort.name == t["workshop.name"].strip()
    display = t["member.display_name"]
    trainee = WorkshopTraineeApp(open_as(url, user="user.t"), cases, "user.t",
                                 autosave_seconds=0)
    joined = trainee.join_workshop(cohort.join_code, display)
    if any(ord(c) < 32 for c in display.strip()):  # tab/CR inside a one-line name
        assert not joined and "control character" in trainee.join.summary.text
        return
    assert joined, trainee.join.summary.text
    trainer.reveal.value = True
    model = trainer.refresh()
    texts = [t["workshop.name"].strip(), display.strip()]
    assert_inert(page_html(trainer, trainee), texts, "workshop pages")
    assert_inert(roster_html(model, reveal=True), texts, "roster")
    assert shown(display.strip(), roster_html(model, reveal=True))
    for fmt in ("csv", "xlsx"):
        paths = trainer.export(fmt)
        for p in paths:
            if fmt == "csv":
                cells = pd.read_csv(p, dtype=str, keep_default_na=False).to_numpy().ravel()
                assert not [c for c in cells if str(c).startswith(FORMULA_START)], p
            else:
                book = openpyxl.load_workbook(p)
                xcells = [c for ws in book.worksheets for r in ws.iter_rows() for c in r]
                assert not [c.coordinate for c in xcells if c.data_type == "f"], p
                assert not [c.value for c in xcells if isinstance(c.value, str)
                            and c.value.startswith(FORMULA_START)], p
    pdf = "\n".join(p.extract_text() for p in PdfReader(trainer.certificates()).pages)
    if name != "unicode":
        assert " ".join(display.strip().split()) in " ".join(pdf.split())


# --- values reflection and the case editor --------------------------------------------------

@pytest.mark.parametrize("name", STORED)
def test_reflection_notes_are_kept_exactly_and_shown_inert(data_dir, name):
    from rso_widgets.apps.reflection import ValuesReflectionApp
    from rso_widgets.store import open_store

    text = tagged(STORED[name], "values.notes")
    app = ValuesReflectionApp(open_store())
    for x in app.reflection_form.inputs.values():
        x.choice.value, x.notes.value = "agree", text
    app.reflection_form.journey.show_check_answers()
    markup = page_html(app)
    app.reflection_form.journey._submit()
    assert "Your reflection is saved" in app.reflection_form.journey.message.value
    saved = app.sup.my_reflections("values")[0]
    assert {a["notes"] for a in saved.answers.values()} == {text.strip()}
    assert_inert(markup + page_html(app), [text], "values reflection")
    assert shown(text.strip(), markup)


@pytest.mark.parametrize("name", REFUSED)
def test_reflection_refuses_unstorable_notes_naming_the_statement(data_dir, name):
    from rso_widgets.apps.reflection import ValuesReflectionApp
    from rso_widgets.store import open_store

    app = ValuesReflectionApp(open_store())
    for x in app.reflection_form.inputs.values():
        x.choice.value = "agree"
    first = next(iter(app.reflection_form.inputs.values()))
    first.notes.value = REFUSED[name]
    app.reflection_form.journey.show_check_answers()
    app.reflection_form.journey._submit()
    assert app.sup.my_reflections("values") == []
    assert first.item.statement in first.notes_field.error
    assert "characters long" in first.notes_field.error or "character" in first.notes_field.error


@pytest.mark.parametrize("name", STORED)
def test_case_editor_keeps_text_exactly_and_previews_it_inert(data_dir, name):
    from rso_widgets.apps.case_editor import CaseEditorApp
    from rso_widgets.cases.loader import load_case

    app = CaseEditorApp()
    app.open_case(next(v for label, v in app.start_from.options if "TC-01:" in label))
    t = {f: tagged(STORED[name], f) for f in CASE_EDITOR_FIELDS}
    for f, text in t.items():  # long enough for the case file's own minimum lengths
        app.form.binding(f).field.control.value = text + " — fictional training text."
    check = app.recheck()
    if any(ord(c) < 32 and c not in "\t\n\r" for c in STORED[name]):
        assert check.case is None
        return
    assert check.case is not None, [str(p) for p in check.problems]
    app._preview()
    assert_inert(page_html(app), list(t.values()), "case editor")
    app.journey.show_check_answers()
    app.journey._submit()
    saved = load_case(app.path)
    assert saved.title == (t["title"] + " — fictional training text.").strip()
    assert saved.documents.officer_notes.startswith(t["documents.officer_notes"].strip()[:20])


# --- every box on each page at once (numbers and codes too): messages echo text inertly ------

@pytest.mark.parametrize("name", ["img-onerror", "attribute-break"])
def test_every_box_on_each_page_shows_hostile_text_inert(data_dir, name):
    """Every Text/Textarea on every app page (numbers and codes too) gets the payload, then
    every visible button is pressed: whatever the page says back stays inert."""
    from rso_widgets.apps.arms import arms_practice
    from rso_widgets.apps.calculator import rm2000_calculator
    from rso_widgets.apps.case_editor import case_editor
    from rso_widgets.apps.certification import calibration_record
    from rso_widgets.apps.live_assessment import live_assessment
    from rso_widgets.apps.practice import rm2000_practice
    from rso_widgets.apps.reflection import values_reflection
    from rso_widgets.apps.supervision import supervision
    from rso_widgets.apps.team_quality import team_quality
    from rso_widgets.apps.workshop_trainee import workshop
    from rso_widgets.apps.workshop_trainer import trainer_dashboard

    payload, total = STORED[name], 0
    for make in (rm2000_calculator, rm2000_practice, arms_practice, live_assessment, workshop,
                 trainer_dashboard, supervision, team_quality, calibration_record,
                 values_reflection, case_editor):
        page = make()
        open_every_section(page)
        boxes = [x for x in walk(page) if isinstance(x, w.Text | w.Textarea)]
        for box in boxes:
            box.value = payload
        total += len(boxes)
        for button in [x for x in walk(page) if isinstance(x, w.Button)]:
            if button.layout.display != "none" and not button.disabled:
                button.click()
        assert_inert(page_html(page), [payload], make.__name__)
    assert total >= 40  # the walk reached the pages' boxes


def test_the_inertness_check_itself_catches_live_markup():
    for raw in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                '<p title="" onmouseover="alert(1)" data-x="">', '<a href="javascript:x">'):
        with pytest.raises(AssertionError):
            assert_inert(f"<div>{raw}</div>", [], "check")
    assert_inert(html.escape("<img src=x onerror=alert(1)>"), ["<img src=x onerror=1>"], "ok")


# --- the calculator: the other sex, offences in the sentencing history, evidence notes --------

HISTORY = {"sex": "male", "date_of_birth": "1980-03-15", "assessment_date": "2026-10-01",
           "commencement_date": "2025-06-14", "sexual_offence_aged_17_plus": True,
           "male_victim": False, "stranger_victim": False, "non_contact": False,
           "single": True}


@pytest.mark.parametrize("name", STORED)
def test_calculator_shows_offences_notes_and_sex_as_text(data_dir, name):
    from rso_widgets.apps.calculator import rm2000_calculator
    from rso_widgets.widgets.rm2000_form import RM2000Form

    t = {f: tagged(STORED[name], f) for f in CALCULATOR_FIELDS}
    page = rm2000_calculator()
    form = next(x for x in walk(page) if isinstance(x, RM2000Form))
    occasions = [{"date": "2012-02-01", "offences": [
        {"name": t["history.offence"], "sexual": True}]}]
    form.set_facts({**HISTORY, "occasions": occasions},
                   {"single": t["rm2000.evidence.single"]})
    assert form.submit() is not None, page_html(page)[-2000:]
    markup = page_html(page)
    assert_inert(markup, list(t.values()), "calculator")
    for f in ("history.offence", "rm2000.evidence.single"):
        assert shown(t[f].strip(), markup), f
    form.sex.value = "other"
    form.sex_other.value = t["sex_other"]
    form.submit()
    markup = page_html(page)
    assert_inert(markup, list(t.values()), "calculator, other sex")
    assert shown(t["sex_other"].strip(), markup)


# --- YAML read safely: no Python tags, no alias bombs, for every loader ------------------------

def _loaders() -> dict[str, Any]:
    from rso_widgets.calibration.status import load_thresholds
    from rso_widgets.cases import load_case
    from rso_widgets.instruments.arms import load_arms_catalogue
    from rso_widgets.instruments.plan_quality import load_rubric
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset
    from rso_widgets.supervision.lists import load_observation_scale, load_supervision_lists

    return {"rm2000 ruleset": load_rm2000_ruleset, "ARMS catalogue": load_arms_catalogue,
            "plan rubric": load_rubric, "observation scale": load_observation_scale,
            "supervision lists": load_supervision_lists,
            "calibration thresholds": load_thresholds, "training case": load_case}


LOADERS = list(_loaders())
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n"
    for n in range(9))  # 9**10 leaves from a 400-byte file


@pytest.fixture(autouse=True)
def _only_the_folders_each_test_allows(monkeypatch):
    """tests/conftest.py allows pytest's whole temp folder; these tests decide for themselves."""
    monkeypatch.delenv("RSO_ALLOWED_DATA_DIRS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def allowed_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("RSO_ALLOWED_DATA_DIRS", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _refused(loader: Any, path: Path) -> str:
    from rso_widgets.cases import CaseError
    from rso_widgets.instruments.datafile import RulesetError

    with pytest.raises((RulesetError, CaseError)) as exc:
        loader(path)
    return str(exc.value)


@pytest.mark.parametrize("what", LOADERS)
def test_a_python_tag_is_refused_and_nothing_runs(allowed_tmp, what):
    marker = allowed_tmp / "pwned"
    evil = allowed_tmp / f"evil-{what.replace(' ', '-')}.yaml"
    evil.write_text(f'id: x\nboom: !!python/object/apply:os.system ["touch {marker}"]\n'
                    f'more: !!python/object/new:os.system ["touch {marker}"]\n',
                    encoding="utf-8")
    message = _refused(_loaders()[what], evil)
    assert "tag that is not allowed" in message and "fix" in message and str(evil) in message
    assert not marker.exists()


@pytest.mark.parametrize("what", LOADERS)
def test_alias_bombs_are_refused_quickly(allowed_tmp, what):
    import time

    bomb = allowed_tmp / f"bomb-{what.replace(' ', '-')}.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    start = time.perf_counter()
    message = _refused(_loaders()[what], bomb)
    assert "aliases" in message and time.perf_counter() - start < 5
    big = allowed_tmp / f"big-{what.replace(' ', '-')}.yaml"
    big.write_text("x: '" + "y" * 5_000_001 + "'\n", encoding="utf-8")
    assert "larger than 5,000,000 bytes" in _refused(_loaders()[what], big)


# --- paths outside the allowed folders --------------------------------------------------------

SETTINGS = {"RSO_RM2000_RULESET": "rm2000 ruleset", "RSO_ARMS_CATALOGUE": "ARMS catalogue",
            "RSO_PLAN_RUBRIC": "plan rubric", "RSO_OBSERVATION_SCALE": "observation scale",
            "RSO_SUPERVISION_LISTS": "supervision lists"}


def _outside(tmp_path: Path) -> Path:
    """A folder outside every allowed folder."""
    out = tmp_path / "elsewhere"
    out.mkdir(exist_ok=True)
    return out


@pytest.mark.parametrize("setting", SETTINGS)
def test_a_data_file_setting_outside_the_allowed_folders_is_refused(tmp_path, monkeypatch,
                                                                    setting):
    from rso_widgets.instruments.datafile import RulesetError

    outside = _outside(tmp_path) / "file.yaml"
    outside.write_text("id: x\n", encoding="utf-8")
    monkeypatch.setenv(setting, str(outside))
    get_settings.cache_clear()
    try:
        with pytest.raises(RulesetError) as exc:
            _loaders()[SETTINGS[setting]]()
    finally:
        get_settings.cache_clear()
    message = str(exc.value)
    assert setting in message and str(outside) in message and "outside the folders" in message
    assert str(PACKAGE_DIR) in message and "RSO_ALLOWED_DATA_DIRS" in message


def test_dot_dot_and_symlinks_are_resolved_before_the_check(tmp_path):
    from rso_widgets.cases import CaseError, load_case
    from rso_widgets.instruments.datafile import RulesetError
    from rso_widgets.instruments.ruleset import load_rm2000_ruleset
    from rso_widgets.settings import SHIPPED_CASES_DIR

    with pytest.raises(CaseError, match="outside the folders"):
        load_case(SHIPPED_CASES_DIR / ".." / ".." / ".." / "etc" / "passwd")
    secret = _outside(tmp_path) / "secret.yaml"
    secret.write_text("id: x\n", encoding="utf-8")
    link = get_settings().data_dir / "innocent.yaml"  # inside an allowed folder…
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(secret)  # …pointing outside it
    try:
        with pytest.raises(RulesetError, match="really"):
            load_rm2000_ruleset(link)
        with pytest.raises(CaseError, match="outside the folders"):
            load_case(link)
    finally:
        link.unlink()


def test_the_training_cases_setting_and_the_allowed_list(tmp_path, monkeypatch):
    from rso_widgets.cases import CaseError, load_cases

    folder = _outside(tmp_path)
    monkeypatch.setenv("RSO_TRAINING_CASES_DIR", str(folder))
    get_settings.cache_clear()
    try:
        with pytest.raises(CaseError) as exc:
            load_cases()
        assert "RSO_TRAINING_CASES_DIR" in str(exc.value)
        # a deployment allows its own folder explicitly (JSON list or ':'-separated)
        monkeypatch.setenv("RSO_ALLOWED_DATA_DIRS", f"/nonexistent:{folder}")
        get_settings.cache_clear()
        assert folder.resolve() in get_settings().allowed_folders()
        with pytest.raises(CaseError, match="holds no case files"):
            load_cases()
        monkeypatch.setenv("RSO_ALLOWED_DATA_DIRS", f'["{folder}"]')
        get_settings.cache_clear()
        assert folder.resolve() in get_settings().allowed_folders()
    finally:
        get_settings.cache_clear()


def test_cases_validate_on_the_command_line_may_name_any_path(tmp_path, capsys):
    """`rso-workbook cases validate PATH`: an explicit local check of a file the user can read
    anyway, before copying it into the cases folder, so it is exempt; the same file through the
    loader the apps use is refused."""
    import argparse
    import shutil

    from rso_widgets.cases import CaseError, load_case
    from rso_widgets.commands.cases import run
    from rso_widgets.settings import SHIPPED_CASES_DIR

    copy_ = _outside(tmp_path) / "tc-01.yaml"
    shutil.copy(SHIPPED_CASES_DIR / "tc-01-brantingby.yaml", copy_)
    assert run(argparse.Namespace(path=str(copy_))) == 0
    assert "1 valid" in capsys.readouterr().out
    with pytest.raises(CaseError, match="outside the folders"):
        load_case(copy_)
