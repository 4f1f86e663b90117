"""`rso-workbook` command line. Parsers live here; each command's work lives in `commands/`.

Bad input never gives a traceback: a bad option is one line naming it and the fix (exit 2), a
refusal by the store's rules is one line naming who may (exit 77), and any unexpected error is
one line (exit 70) with the traceback only when RSO_DEBUG is set.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

MAX_ID = 2**62  # ids and version numbers: far above any real store, inside a 64-bit integer
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
INTERNAL_ERROR = 70  # EX_SOFTWARE
NOT_ALLOWED = 77  # EX_NOPERM: the store refused (store.policy); the line names who may


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line: the problem and where to look for the fix."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} — fix: see `{self.prog} --help`\n")


def whole(lo: int, hi: int, unit: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number from `lo` to `hi` (the message names the range)."""
    def parse(text: str) -> int:
        try:
            n = int(text.strip()) if len(text) <= 30 else None
        except ValueError:
            n = None
        if n is None or not lo <= n <= hi:
            raise argparse.ArgumentTypeError(
                f"{text[:40]!r} is not a whole number from {lo:,} to {hi:,}{unit}")
        return n
    parse.__name__ = "whole number"
    return parse


def iso_date(text: str) -> dt.date:
    """An argparse type: an ISO date between 1900-01-01 and 2200-12-31."""
    try:
        d = dt.date.fromisoformat(text.strip()) if len(text) <= 30 else None
    except ValueError:
        d = None
    if d is None or not EARLIEST <= d <= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not an ISO date such as 2026-11-02 between {EARLIEST} and {LATEST}")
    return d


iso_date.__name__ = "date"


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rso-workbook",
        description="RSO Workbook: RM2000/ARMS assessment and training tools. "
                    "Results inform professional judgement; they never decide.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    serve = sub.add_parser("serve", help="serve the workbook apps with Voilà (production settings)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=whole(1, 65535), help="port (default 8866, or RSO_PORT)")
    serve.add_argument("--dir", help="folder of workbooks to serve (default: workbooks/)")
    serve.set_defaults(module="serve")

    score = sub.add_parser("score", help="score an instrument: JSON Lines on stdin → stdout")
    score.add_argument("instrument", choices=["rm2000"])
    score.add_argument("--ruleset", help="ruleset YAML (default: the shipped edition)")
    score.add_argument("--today", type=iso_date,
                       help="ISO date treated as today for date checks (testing)")
    score.set_defaults(module="score")

    audit = sub.add_parser(
        "audit", help="recompute RM2000 over an exported CSV, flag mismatches")
    audit.add_argument("instrument", choices=["rm2000"])
    audit.add_argument("file", help="CSV with one row per assessment")
    audit.add_argument("-o", "--out", help="output CSV (default: FILE.audit.csv)")
    audit.add_argument("--ruleset", help="ruleset YAML (default: the shipped edition)")
    audit.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    audit.set_defaults(module="audit")

    cases = sub.add_parser("cases", help="training cases")
    cases_sub = cases.add_subparsers(dest="action", required=True, metavar="ACTION",
                                     parser_class=Parser)
    validate = cases_sub.add_parser("validate", help="validate training case files")
    validate.add_argument("path", nargs="?", help="a case file or folder (default: shipped cases)")
    validate.set_defaults(module="cases")

    log = sub.add_parser("audit-log", help="the append-only audit log (administrators; verify: "
                         "also team leads)")
    log_sub = log.add_subparsers(dest="action", required=True, metavar="ACTION",
                                 parser_class=Parser)
    ver = log_sub.add_parser("verify", help="check the hash chain and every record against it; "
                             "non-zero exit if tampered")
    ver.add_argument("--anchor", metavar="FILE",
                     help="also check that the chain still holds the head anchored in FILE")
    anc = log_sub.add_parser("anchor", help="write the chain's head to FILE (keep it on "
                             "write-once storage)")
    anc.add_argument("file", metavar="FILE", help="anchor file to write (owner-only)")
    show = log_sub.add_parser("show", help="print recent entries")
    show.add_argument("--limit", type=whole(1, 1_000_000), default=50,
                      help="how many entries (1 to 1,000,000; default 50)")
    log.set_defaults(module="store")

    ret = sub.add_parser("retention", help="list or delete records past the retention period "
                         "(administrators)")
    ret.add_argument("--days", type=whole(1, 36_500, " days (100 years)"),
                     help="retention period in days (default: settings)")
    ret.add_argument("--delete", action="store_true", help="delete (default is a dry run)")
    ret.set_defaults(module="store", action="retention")

    backup = sub.add_parser("backup", help="consistent copy of the database, safe while running "
                            "(administrators)")
    backup.add_argument("dest", help="new backup file, or a folder for a timestamped one "
                        "(SQLite: a database file; PostgreSQL: a pg_dump archive)")
    backup.set_defaults(module="store", action="backup")
    restore = sub.add_parser("restore", help="restore the database from a backup file "
                             "(administrators)")
    restore.add_argument("src", help="backup file to restore from (SQLite file or pg_dump "
                         "archive)")
    restore.add_argument("--yes", action="store_true", help="replace the current database")
    restore.add_argument("--anchor", metavar="FILE", help="refuse a backup whose chain no "
                         "longer holds the head anchored in FILE")
    restore.set_defaults(module="store", action="restore")

    export = sub.add_parser("export", help="export a report (HTML/PDF) or a table (CSV/XLSX); "
                            "files are OFFICIAL-SENSITIVE and every export is audited")
    export_sub = export.add_subparsers(dest="what", required=True, metavar="WHAT",
                                       parser_class=Parser)
    rep = export_sub.add_parser("report", help="one assessment version as HTML or PDF")
    rep.add_argument("assessment_id", type=whole(1, MAX_ID))
    rep.add_argument("--version", type=whole(1, MAX_ID),
                     help="version number (default: the latest)")
    rep.add_argument("-o", "--out", required=True, help="file to write (.html or .pdf)")
    rep.add_argument("--format", choices=["html", "pdf"], help="default: from the file extension")
    for name, what in (("assessments", "every assessment version"),
                       ("attempts", "practice attempts")):
        tab = export_sub.add_parser(name, help=f"{what}, one row each")
        tab.add_argument("-o", "--out", required=True, help="file to write (.csv or .xlsx)")
        tab.add_argument("--format", choices=["csv", "xlsx"],
                         help="default: from the file extension")
        if name == "attempts":
            tab.add_argument("--user", action="append", help="only this user's attempts")
    export.set_defaults(module="export")

    admin = sub.add_parser("admin", help="administrators' commands (audited)")
    admin_sub = admin.add_subparsers(dest="action", required=True, metavar="ACTION")
    act = admin_sub.add_parser("act-as", help="run one rso-workbook command as another user")
    act.add_argument("user", help="the user to act as (their roles apply)")
    act.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    admin.set_defaults(module="admin")

    bench = sub.add_parser("bench", help="run every benchmark in benchmarks/ and print ratios")
    bench.add_argument("--check", action="store_true",
                       help="exit non-zero when any benchmark misses its target")
    bench.add_argument("names", nargs="*", help="only these benchmarks (default: all)")
    bench.set_defaults(module="bench")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a bad option (one line already printed) or --help
        return exc.code if isinstance(exc.code, int) else 2
    try:
        module = importlib.import_module(f"rso_widgets.commands.{args.module}")
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing left to say
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last guard: one line, the traceback only on request
        name = args.command if isinstance(args.command, str) else args.module
        if type(exc).__name__ == "ValidationError" and getattr(exc, "title", "") == "Settings":
            return _bad_setting(name, exc)
        if type(exc).__name__ == "AccessDenied":  # store.errors: the sentence names who may
            print(f"rso-workbook {name}: not allowed: {exc}", file=sys.stderr)
            return NOT_ALLOWED
        return _unexpected(name, exc)


def _bad_setting(command: str, exc: Any) -> int:
    """A setting from the environment that is out of range: name the variable and the rule."""
    err = exc.errors()[0]
    name = "RSO_" + "_".join(str(p) for p in err["loc"]).upper()
    print(f"rso-workbook {command}: setting {name}={str(err.get('input'))[:40]!r} is not "
          f"valid ({err['msg']}) — fix: correct or unset {name}", file=sys.stderr)
    return 2


def _unexpected(command: str, exc: Exception) -> int:
    first = (str(exc).splitlines() or [""])[0][:200]
    print(f"rso-workbook {command}: unexpected error ({type(exc).__name__}: {first}) — fix: "
          "check the input and options; if they are right, run again with RSO_DEBUG=1 and report "
          "the details", file=sys.stderr)
    if os.environ.get("RSO_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
