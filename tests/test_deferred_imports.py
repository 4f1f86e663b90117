"""Function-level imports only where a measured start-up cost (or an import cycle) justifies
them (issue 14 item 5): every file under rso_widgets/ with an import inside a function is listed
here with its exact count and the reason.

The figures were measured in a fresh interpreter that had already imported the file's own module
(so only what the deferred imports add is counted), on the shared 2-core machine under load:
read them as upper bounds. Re-measure with e.g.
`python -X importtime -c "import rso_widgets.apps.arms_record; import rso_widgets.store"`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rso_widgets"

_LEAN = "lean first view (issue 12; benchmarks/bench_first_view.py, test_workshop.py lean tests): "
_PAGE = ("imports in a page class's __init__ run inside the start-up guard (`startup.guarded`/"
         "`start`: a widget module that fails to load shows the friendly message, as in "
         "calculator.py); the others load what a button, a save or a later step needs then: ")

# file (relative to rso_widgets/) -> (how many imports inside functions, why they are deferred).
# Exact counts: a new function-level import fails (move it to the top or justify it here), and
# a count that is now too high (an import moved to the top) must be lowered.
ALLOWED: dict[str, tuple[int, str]] = {
    # --- the trainee workshop page's first view: not moved, measured by the lean-start tests
    "apps/workshop_trainee.py": (10, _LEAN + "the join form imports no store, cases, pandas or "
                                 "plotly until someone joins (deferred imports 0.4-1.1 s)"),
    "apps/workshop_common.py": (6, _LEAN + "store, cases and settings load on joining "
                                "(SQLAlchemy + Alembic: 0.7-1.0 s)"),
    "apps/workshop_workspace.py": (11, _LEAN + "the case workspace's widgets load when a case "
                                   "is opened (0.5-1.0 s)"),
    "apps/workshop_answers.py": (18, _LEAN + "the answers' calibration and ARMS models load on "
                                 "the first draft, submission or refresh (0.3-1.1 s)"),
    "apps/startup.py": (3, _LEAN + "fix_for() reads case and ruleset errors only when a page "
                        "fails to start (cases + instruments: 0.2-0.5 s; is_refusal is free "
                        "but this file is on the first-view path)"),
    # --- other pages (measured cost of the deferred imports after the module's own)
    "apps/arms_attempts.py": (5, _PAGE + "the practice store (SQLAlchemy + Alembic, 1.2-2.0 s) "
                              "and the ARMS progress widgets"),
    "apps/arms_journey.py": (1, _PAGE + "the profile chart's static text (instruments + "
                             "settings, 0.15-0.37 s) when the RM2000 result is shown"),
    "apps/arms_practice.py": (10, _PAGE + "cases, calibration and the ARMS form (0.3-0.5 s) "
                              "load when the page is built or a case opened"),
    "apps/arms_record.py": (10, _PAGE + "the store (SQLAlchemy + Alembic) and reports load on "
                            "find/save/load (1.1-1.6 s in all)"),
    "apps/arms_save.py": (1, _PAGE + "store.errors pulls pydantic settings (0.12-0.18 s), "
                          "needed only on a conflicting save"),
    "apps/calculator.py": (1, "imported inside the start-up guard, so a form that cannot load "
                           "shows the friendly message (RM2000 form + ruleset: 0.2-0.9 s)"),
    "apps/certification.py": (16, _PAGE + "store, calibration and the certificate writer "
                              "(SQLAlchemy, pandas, reportlab: 1.3-2.9 s)"),
    "apps/live_assessment.py": (2, _PAGE + "the caseload query (store, SQLAlchemy: "
                                "0.4-0.9 s) runs only when the caseload is shown"),
    "apps/live_record.py": (6, _PAGE + "the ARMS catalogue, reports payload and version "
                            "history (0.16-0.42 s) when a record is shown"),
    "apps/live_signoff.py": (6, _PAGE + "sign-off and the report writer (SQLAlchemy, pandas, "
                             "reportlab: 1.4-3.4 s) when signing or filing"),
    "apps/workshop_trainer.py": (13, _PAGE + "workshop stats, export and certificates "
                                 "(pandas, reportlab, SQLAlchemy: 1.5-2.3 s)"),
    "apps/supervision/sharing.py": (1, "the CPD portfolio writer (reports.cpd: pandas + pyarrow "
                                    "+ reportlab, 0.6-1.2 s) only on export"),
    # --- statistics: heavy scientific libraries only when a statistic is computed
    "calibration/cohort/agreement.py": (1, "scipy.stats 0.6-1.1 s, for one entropy"),
    "calibration/cohort/stats.py": (3, "pingouin 1.3 s, sklearn.metrics 0.8 s, scipy.stats "
                                    "0.6 s, each for one statistic"),
    # --- command line and server
    "commands/serve.py": (2, "psutil 8-13 ms, only for the test and benchmark harness's kernel "
                          "listing and stop()"),
    "serving/pool.py": (2, "store.rooms loads SQLAlchemy + Alembic (0.5-0.8 s), off the "
                        "server's start; psutil (8 ms) only when preheated kernels are measured"),
    "serving/room/case_handlers.py": (1, "the case file renderer loads ipywidgets + IPython "
                                      "(0.08-0.1 s), on the first case shown, not at server "
                                      "start"),
    "serving/room/session.py": (2, "the store (SQLAlchemy + Alembic, 0.6-1.4 s) and the widget "
                                "renderers load in warm(), off the event loop, not at start"),
    "serving/room/views.py": (2, "the feedback renderers load ipywidgets (0.09-0.24 s), on the "
                              "first feedback shown"),
    # --- domain packages
    "store/__init__.py": (2, "module __getattr__: SqlPracticeStore / SupervisionStore load "
                          "SQLAlchemy (0.36-0.39 s) only when asked for (issue 12)"),
    "store/identity.py": (1, "pwd is POSIX only: on Windows the ImportError is the answer"),
    "store/integrity.py": (2, "import cycle: store.audit imports this module"),
    "store/repository.py": (1, "the supervision store loads supervision + instruments "
                            "(0.1-0.2 s), not needed by a page that only keeps assessments"),
    "store/supervision/results.py": (2, "calibration.progress loads the case loader "
                                     "(0.08-0.16 s), only for the team calibration view"),
    "supervision/__init__.py": (1, "module __getattr__: CPDRecord needs calibration.progress "
                                "and the case loader (0.06 s) only when asked for"),
    "supervision/team.py": (2, "calibration.status loads pandas + krippendorff (0.45-0.6 s), "
                            "only for practice status"),
    # --- charts: plotly (and for subplots PIL + narwhals) only when a chart is drawn
    "widgets/cohort_dashboard.py": (1, "plotly.graph_objects 17-69 ms, when the heatmap is "
                                    "drawn"),
    "widgets/cohort_html.py": (1, "calibration.status loads pandas + krippendorff (1.7-2.1 s), "
                               "only for the ARMS rule uses"),
    "widgets/figures.py": (1, "plotly.io 19 ms, only when a figure is shown"),
    "widgets/profile_chart.py": (2, "plotly.subplots loads PIL + narwhals (0.09-0.18 s), when "
                                 "the chart is drawn"),
    "widgets/team_quality_view.py": (1, "plotly.graph_objects 18-28 ms, when the trend chart is "
                                     "drawn"),
    "widgets/version_history.py": (2, "plotly.subplots loads PIL + narwhals (0.06-0.09 s), when "
                                   "the ratings chart is drawn"),
}


def function_level_imports() -> dict[str, list[str]]:
    """file (relative to rso_widgets/) -> "line: statement" per Import/ImportFrom inside a
    function or method (a nested class's methods count too)."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        hits: list[str] = []

        def visit(node: ast.AST, in_function: bool, lines=lines, hits=hits) -> None:
            for child in ast.iter_child_nodes(node):
                if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                    hits.append(f"{child.lineno}: {lines[child.lineno - 1].strip()}")
                visit(child, in_function
                      or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

        visit(ast.parse(text), False)
        if hits:
            found[path.relative_to(PACKAGE).as_posix()] = hits
    return found


def test_function_level_imports_are_the_allow_listed_ones():
    found = function_level_imports()
    unexpected = {f: h for f, h in found.items() if f not in ALLOWED}
    assert not unexpected, (
        "function-level imports in a file not allow-listed (move them to the top, or add the "
        "file to ALLOWED in tests/test_deferred_imports.py with the measured reason):\n"
        + "\n".join(f"{f}:{h}" for f, hits in unexpected.items() for h in hits))
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"allow-list entries no longer needed (remove them): {stale}"
    more = {f: h for f, h in found.items() if len(h) > ALLOWED[f][0]}
    assert not more, (
        "more function-level imports than allowed (move it to the top or justify it and raise "
        "the count):\n" + "\n".join(f"{f} ({ALLOWED[f][0]} allowed):{h}"
                                    for f, hits in more.items() for h in hits))
    fewer = {f: (len(h), ALLOWED[f][0]) for f, h in found.items() if len(h) < ALLOWED[f][0]}
    assert not fewer, f"fewer function-level imports than allowed (lower the count): {fewer}"
    assert all(len(reason) > 20 for _, reason in ALLOWED.values())


def test_the_count_sees_methods_and_nested_functions_but_not_module_imports(tmp_path,
                                                                             monkeypatch):
    (tmp_path / "m.py").write_text(
        "import os\nfrom json import dumps\n\n"
        "def f():\n    import csv\n    def g():\n        from re import compile\n"
        "    return csv, g\n\n"
        "class C:\n    async def h(self):\n        import io\n        return io\n"
        "    import sys\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path)
    assert function_level_imports() == {
        "m.py": ["5: import csv", "7: from re import compile", "12: import io"]}


def test_a_new_deferred_import_in_an_allow_listed_file_fails_too(tmp_path, monkeypatch):
    (tmp_path / "apps").mkdir()
    page = tmp_path / "apps" / "page.py"
    page.write_text("def build():\n    import json\n    return json\n")
    module = __import__(__name__)
    monkeypatch.setattr(module, "PACKAGE", tmp_path)
    monkeypatch.setattr(module, "ALLOWED", {"apps/page.py": (1, "x" * 30)})
    test_function_level_imports_are_the_allow_listed_ones()  # as many as allowed: passes
    page.write_text(page.read_text() + "\ndef more():\n    import csv\n    return csv\n")
    with pytest.raises(AssertionError, match="move it to the top or justify it"):
        test_function_level_imports_are_the_allow_listed_ones()
    page.write_text("import json\n\ndef build():\n    return json\n")
    with pytest.raises(AssertionError, match="no longer needed"):
        test_function_level_imports_are_the_allow_listed_ones()
    page.write_text("def build():\n    import json\n    return json\n")
    (tmp_path / "apps" / "other.py").write_text("def f():\n    import csv\n    return csv\n")
    with pytest.raises(AssertionError, match="not allow-listed"):
        test_function_level_imports_are_the_allow_listed_ones()
    (tmp_path / "apps" / "other.py").unlink()
    monkeypatch.setattr(module, "ALLOWED", {"apps/page.py": (2, "x" * 30)})
    with pytest.raises(AssertionError, match="lower the count"):
        test_function_level_imports_are_the_allow_listed_ones()
