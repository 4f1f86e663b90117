"""The start-up guard shared by every Voilà app.

A page that cannot be built (a broken ruleset file, a database that cannot be opened, an
implausible user name) shows one plain message naming the problem and what fixes it; the details
go to the server log. The page never shows a traceback: with `show_tracebacks=False` Voilà would
show only a bare "there was an error" line, which names neither.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TypeVar

import ipywidgets as w

from ..widgets.fields import esc

log = logging.getLogger("rso_widgets.apps.startup")
T = TypeVar("T")
MAX_DETAIL = 400

FIX_DATA_FILE = ("An administrator should correct the file named above, or unset the setting "
                 "that points to it (RSO_RM2000_RULESET, RSO_ARMS_CATALOGUE, RSO_PLAN_RUBRIC, "
                 "RSO_OBSERVATION_SCALE, RSO_SUPERVISION_LISTS) so the shipped file is used.")
FIX_CASES = ("An administrator should correct the training case file named above "
             "(`rso-workbook cases validate` lists every problem), or remove it from "
             "RSO_TRAINING_CASES_DIR.")
FIX_DATABASE = ("An administrator should check the database: RSO_DATABASE_URL if it is set, "
                "otherwise the folder in RSO_DATA_DIR (it must exist and be writable by the "
                "workbook).")
FIX_FOLDER = ("An administrator should check that the data folder (RSO_DATA_DIR) exists and "
              "that the workbook may write to it.")
FIX_REFUSED = ("If you need to see it, ask the person whose record it is, your supervisor or "
               "an administrator; the attempt was recorded.")
FIX_OTHER = "Tell the workbook team: the server log has the details."


def route_logs_to_server() -> bool:
    """In a kernel Voilà started, send this package's log records to the server log.

    Inside a kernel `sys.stderr` is the page's output stream: a record logged there while a cell
    runs, or inside an `Output` widget's context, would put the traceback on the page. The
    kernel's own process stderr (`sys.__stderr__`) is the Voilà server's log, where the
    administrator looks. Elsewhere (tests, scripts) logging is left alone. True when routed."""
    if "VOILA_SERVER_URL" not in os.environ or sys.__stderr__ is None:
        return False
    pkg = logging.getLogger("rso_widgets")
    if not any(getattr(h, "rso_server_log", False) for h in pkg.handlers):
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter(
            "[rso-workbook %(asctime)s %(name)s] %(levelname)s | %(message)s"))
        handler.rso_server_log = True  # type: ignore[attr-defined]
        pkg.addHandler(handler)
        pkg.setLevel(logging.INFO)
    pkg.propagate = False  # never also to the root logger's last-resort handler (the page)
    return True


def _is_from(exc: BaseException, module_prefix: str) -> bool:
    return any(cls.__module__.startswith(module_prefix) for cls in type(exc).__mro__)


def fix_for(exc: BaseException) -> str:
    """What fixes this start-up failure, in plain words (who, and what to change)."""
    # deferred: only a failure needs them, and the cases package loads the case loader, which
    # the trainee page's first view must not (tests/test_workshop.py)
    from ..cases.errors import CaseError
    from ..instruments.datafile import RulesetError
    from ..widgets.fields import is_refusal

    if is_refusal(exc):
        return FIX_REFUSED
    if isinstance(exc, RulesetError):
        return FIX_DATA_FILE
    if isinstance(exc, CaseError):
        return FIX_CASES
    if _is_from(exc, "rso_widgets.store") or _is_from(exc, "sqlalchemy"):
        return FIX_DATABASE
    if isinstance(exc, OSError):
        return FIX_FOLDER
    return FIX_OTHER


def problem_text(exc: BaseException) -> str:
    """The exception's own message (which names the file and field), shortened for the page."""
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL - 1] + "…"


def could_not_start(what: str, exc: BaseException, *, after: str = "") -> w.HTML:
    """Log the failure with its traceback (server side) and return the page's message.

    `what` is the page's name as the person knows it ("The RM2000 calculator"); `after` is an
    optional extra sentence."""
    log.error("%s could not start", what, exc_info=exc)
    extra = f" {esc(after)}" if after else ""
    return w.HTML(
        '<div role="alert" class="rso-could-not-start" '
        'style="border-left:6px solid #d4351c;padding:6px 12px;max-width:50em">'
        f"<p style='margin:0 0 6px 0'><strong>{esc(what)} could not start.</strong></p>"
        f"<p style='margin:0 0 6px 0'>The problem: {esc(problem_text(exc))}</p>"
        f"<p style='margin:0'>{esc(fix_for(exc))} Nothing was changed; reload the page once it "
        f"is fixed.{extra}</p></div>")


def guarded(what: str, build: Callable[[], T]) -> T | w.HTML:
    """`build()`, or the could-not-start message if it raises."""
    try:
        return build()
    except Exception as exc:
        return could_not_start(what, exc)
