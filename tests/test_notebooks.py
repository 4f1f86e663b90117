"""Every workbook notebook runs cleanly in a fresh kernel, and is committed clean.

The kernel is the `python3` kernel spec that ipykernel installs into the virtual environment
(`.venv/share/jupyter/kernels/python3`, found through `sys.prefix`); its `python` argv resolves to
this interpreter, so notebooks run against the same installed package as the tests.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from notebook_exec import NotebookRetried, run_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "workbooks").glob("*.ipynb"))
BENCH_NOTEBOOKS = sorted((ROOT / "benchmarks").glob("*.ipynb"))
EXAMPLES = sorted((ROOT / "examples").glob("*.ipynb"))  # for JupyterLab (the widget gallery)
TRACEBACK_TEXT = ("Traceback", 'File "', "Error in callback")


def _id(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def test_there_are_workbooks():
    assert NOTEBOOKS, "workbooks/ holds no notebooks"
    assert EXAMPLES, "examples/ holds no widget gallery"


def test_python3_kernel_spec_is_installed():
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:  # pragma: no cover - environment problem, explained
        pytest.fail("no 'python3' kernel spec: run scripts/setup.sh test (ipykernel installs it "
                    "into .venv/share/jupyter/kernels)")
    assert spec.language == "python"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS + BENCH_NOTEBOOKS + EXAMPLES, ids=_id)
def test_notebook_executes_without_errors(path: Path, tmp_path: Path):
    # a cell whose output never came is run once more and reported (notebook_exec's docstring)
    nb, notes = run_notebook(path, cwd=tmp_path, timeout=120)
    for note in notes:
        warnings.warn(NotebookRetried(note), stacklevel=1)
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.output_type == "stream" else ""
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {i} wrote to stderr: {text[:300]}")
            elif any(t in text for t in TRACEBACK_TEXT):
                problems.append(f"cell {i} printed a traceback: {text[:300]}")
    assert not problems, "\n".join(problems)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for c in code for o in c.outputs), "the notebook displayed no widget"


@pytest.mark.parametrize("path", NOTEBOOKS + BENCH_NOTEBOOKS + EXAMPLES, ids=_id)
def test_notebook_is_committed_clean(path: Path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    assert "widgets" not in nb.metadata, "notebook metadata holds widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_workbook_is_a_title_an_explanation_and_one_call(path: Path):
    nb = nbformat.read(path, as_version=4)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1, "one code cell calling into rso_widgets.apps"
    assert "rso_widgets.apps." in code[0].source
