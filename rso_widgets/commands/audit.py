"""`rso-workbook audit rm2000 FILE.csv`: recompute RM2000 over an export and flag mismatches.

Writes FILE.audit.csv (or `-o OUT`) atomically, prints a summary. Exit status: 0 the audit ran
(mismatches are findings, not failures); 1 it ran but some rows were malformed; 2 the input could
not be audited (unreadable or empty file, missing columns, bad ruleset, bad output path).
The column contract and the mismatch causes are described in `rso_widgets.audit`.
"""

from __future__ import annotations

import argparse
import sys

from ..audit import AuditInputError, audit_csv
from ..instruments.ruleset import RulesetError, load_rm2000_ruleset
from ..settings import get_settings


def run(args: argparse.Namespace) -> int:
    try:
        rs = load_rm2000_ruleset(args.ruleset or get_settings().rm2000_ruleset)
        summary = audit_csv(args.file, args.out, ruleset=rs, progress=not args.no_progress)
    except (RulesetError, AuditInputError) as exc:
        print(f"rso-workbook audit: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the disk filled while writing; nothing was replaced
        print(f"rso-workbook audit: {exc.filename or args.file}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    print(summary.text())
    return 1 if summary.malformed else 0
