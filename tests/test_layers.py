"""The layers (issue 14): import-linter's contracts in pyproject.toml hold for the package, a
broken contract fails `lint-imports`, the contracts cover every module, and a function-level
import in a domain package says why it is deferred."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rso_widgets"
CONFIG = ROOT / "pyproject.toml"
#: the issue's order, lowest first: each may import only those before it
CHAIN = ["instruments", "cases", "calibration", "supervision", "store", "reports", "widgets",
         "apps"]
#: the contracts over the top-level modules (the others name modules a stand-in package lacks)
TOP_CONTRACTS = ("layers", "pure-domain")
DOMAIN = ["instruments", "cases", "calibration", "supervision", "store", "reports", "audit",
          "settings", "freetext", "inputfiles", "timefmt"]


def lint_imports(cwd: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` in `cwd` (it reads `cwd`/pyproject.toml and imports from `cwd`)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) \
        or shutil.which("lint-imports")
    assert exe, "import-linter is not installed (pip install import-linter)"
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    only = [arg for c in contract_ids for arg in ("--contract", c)]
    return subprocess.run([exe, "--no-cache", *only], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def contracts() -> dict[str, dict]:
    cfg = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]
    assert cfg["root_package"] == "rso_widgets"
    return {c["id"]: c for c in cfg["contracts"]}


def layer_names(contract: dict) -> list[list[str]]:
    """Layers, lowest first, each as its module names."""
    return [[m.strip() for m in layer.replace(":", "|").split("|")]
            for layer in reversed(contract["layers"])]


def children(package: Path) -> set[str]:
    return {p.stem for p in package.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__")
            or (p.is_dir() and (p / "__init__.py").exists())}


def test_the_package_keeps_every_contract():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in out.stdout


def test_the_layers_are_the_issues_order_and_place_every_module():
    c = contracts()
    layers = c["layers"]
    assert layers["type"] == "layers" and layers["containers"] == ["rso_widgets"]
    assert layers["exhaustive"] is True  # a new top-level module must be given a layer
    names = layer_names(layers)
    placed = [m for layer in names for m in layer]
    assert len(placed) == len(set(placed)), "a module is in two layers"
    assert set(placed) == children(PACKAGE)
    level = {m: i for i, layer in enumerate(names) for m in layer}
    assert [level[m] for m in CHAIN] == sorted(level[m] for m in CHAIN)
    assert len({level[m] for m in CHAIN}) == len(CHAIN), "the chain's layers are distinct"
    assert level["apps"] < level["cli"] and level["settings"] < level["instruments"]
    pure = c["pure-domain"]
    assert pure["type"] == "forbidden"
    assert {f"rso_widgets.{m}" for m in DOMAIN} == set(pure["source_modules"])
    assert {"ipywidgets", "voila"} <= set(pure["forbidden_modules"])


def skeleton(tmp_path: Path, extra: dict[str, str]) -> Path:
    """A stand-in `rso_widgets` with the real package's top-level modules (empty), plus
    `extra` (path → source)."""
    root = tmp_path / "src"
    pkg = root / "rso_widgets"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for p in PACKAGE.iterdir():
        if p.suffix == ".py" and p.stem != "__init__":
            (pkg / p.name).write_text("")
        elif p.is_dir() and (p / "__init__.py").exists():
            (pkg / p.name).mkdir()
            (pkg / p.name / "__init__.py").write_text("")
    for path, source in extra.items():
        (pkg / path).write_text(source)
    shutil.copy(CONFIG, root / "pyproject.toml")
    return root


def test_a_clean_skeleton_passes(tmp_path):
    root = skeleton(tmp_path, {"store/repository.py": "from rso_widgets.calibration import x\n",
                               "apps/page.py": "import ipywidgets\n"})
    out = lint_imports(root, *TOP_CONTRACTS)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(("extra", "broken"), [
    # an upward import hidden in a function (what calibration/workshop.py did)
    ({"calibration/workshop.py": "def f():\n    from rso_widgets.store import records\n"},
     "rso_widgets.calibration.workshop -> rso_widgets.store"),
    # supervision reaching for the store (what supervision/cpd.py did)
    ({"supervision/cpd.py": "from rso_widgets.store.repository import Store\n",
      "store/repository.py": ""}, "rso_widgets.supervision.cpd -> rso_widgets.store.repository"),
    # the lowest layer reaching for the highest
    ({"instruments/x.py": "import rso_widgets.apps.page\n", "apps/page.py": ""},
     "rso_widgets.instruments.x -> rso_widgets.apps.page"),
    # domain code importing a widget library
    ({"reports/view.py": "import ipywidgets\n"}, "rso_widgets.reports.view -> ipywidgets"),
])
def test_a_broken_contract_fails(tmp_path, extra, broken):
    root = skeleton(tmp_path, extra)
    out = lint_imports(root, *TOP_CONTRACTS)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "BROKEN" in out.stdout and broken in out.stdout, out.stdout


def _said_above(lines: list[str], lineno: int) -> bool:
    """Whether a comment stands above line `lineno` (1-based) with only imports between: one
    comment covers a block of imports."""
    for line in reversed(lines[:lineno - 1]):
        text = line.strip()
        if text.startswith("#"):
            return True
        if not text.startswith(("from ", "import ")):
            return False
    return False


def function_level_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, statement, whether a comment says why) per import inside a function: a comment on
    its lines, or above it or the block of imports it is in."""
    lines = path.read_text().splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                text = " ".join(lines[child.lineno - 1:child.end_lineno])
                found.append((child.lineno, lines[child.lineno - 1].strip(),
                              "#" in text or _said_above(lines, child.lineno)))
            visit(child, in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(path.read_text()), False)
    return found


def test_function_level_imports_in_domain_code_say_why():
    """Domain code imports at the top; a deferred import (a measured start-up cost, an import
    cycle, a platform-only module) carries a comment saying so."""
    files = [p for m in DOMAIN for p in ([PACKAGE / f"{m}.py"] if (PACKAGE / f"{m}.py").exists()
                                        else sorted((PACKAGE / m).rglob("*.py")))]
    assert len(files) > 50
    bare = [f"{p.relative_to(ROOT)}:{line}: {text}" for p in files
            for line, text, commented in function_level_imports(p) if not commented]
    assert not bare, "function-level imports without a reason:\n" + "\n".join(bare)


def test_the_checker_sees_a_bare_function_level_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import os\n\ndef f():\n    import json\n    # deferred: cost\n"
                 "    import csv\n    import re\n    x = 1\n    import io\n"
                 "    return json, csv, re, io, os, x\n")
    assert function_level_imports(f) == [(4, "import json", False), (6, "import csv", True),
                                         (7, "import re", True), (9, "import io", False)]
