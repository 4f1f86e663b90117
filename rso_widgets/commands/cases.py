"""`rso-workbook cases validate [PATH]`: check every training case in a folder, or one file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cases.loader import validate_path
from ..instruments.ruleset import RulesetError
from ..settings import get_settings


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every case is valid, 1 on any problem, 2 when the path does not exist.

    A PATH typed on the command line may be anywhere: checking a file before it is copied into
    the training cases folder is an explicit local action by someone who can read that file
    anyway, and validating never runs or serves anything. Without PATH, RSO_TRAINING_CASES_DIR
    is checked like every other setting (inside the allowed folders)."""
    explicit = bool(getattr(args, "path", None))
    path = Path(args.path) if explicit else get_settings().training_cases_dir
    if not path.exists():
        print(f"{path}: no such file or folder — fix: give a case file or a folder of cases",
              file=sys.stderr)
        return 2
    try:
        report = validate_path(path, anywhere=explicit,
                               setting=None if explicit else "RSO_TRAINING_CASES_DIR")
    except RulesetError as exc:
        print(f"{exc} — fix: correct the ruleset file or unset RSO_RM2000_RULESET",
              file=sys.stderr)
        return 1
    for problem in report.problems:
        print(problem)
    print(report.summary())
    return 0 if report.ok else 1
