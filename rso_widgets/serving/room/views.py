"""What the room's pages show, worked out from the store's records (no rule of its own): the
task list of a workshop's cases, one case's answers, and the feedback after the key is released
(the domain's `trainee_feedback`, drawn by the widget page's own feedback renderers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...calibration.workshop import (
    case_instruments,
    feedback_released,
    instruments_text,
    trainee_feedback,
    trainee_state_line,
)

if TYPE_CHECKING:
    from ...cases.schema import TrainingCase
    from ...store import CohortRecord, DraftRecord, SubmissionRecord


@dataclass(frozen=True)
class TaskRow:
    """One case in the task list."""

    case_id: str
    title: str
    scored_with: str
    status: str  # Not started | In progress | Submitted | See feedback | Not submitted
    done: bool
    available: bool


def task_rows(cohort: CohortRecord, cases: dict[str, TrainingCase],
              subs: list[SubmissionRecord],
              draft: Callable[[str], DraftRecord | None]) -> list[TaskRow]:
    """The workshop's cases and where this member is with each (`subs`: the member's
    submissions; `draft(case_id)`: their draft of a case, or None)."""
    submitted = {s.case_id for s in subs}
    released = feedback_released(cohort)
    out = []
    for cid in cohort.case_ids:
        case = cases.get(cid)
        if cid in submitted:
            status = "See feedback" if released else "Submitted"
        elif released or not cohort.is_open:
            status = "Not submitted"
        elif draft(cid) is not None:
            status = "In progress"
        else:
            status = "Not started"
        out.append(TaskRow(cid, case.title if case else "(this case is not available)",
                           instruments_text(case_instruments(cohort, cid)), status,
                           cid in submitted, case is not None))
    return out


def state_line(cohort: CohortRecord) -> str:
    """The workshop's state in one sentence (the widget page's line)."""
    return trainee_state_line(cohort)


def may_submit(cohort: CohortRecord) -> bool:
    """Whether the page offers Submit (the store decides in the end)."""
    return cohort.is_open and not feedback_released(cohort)


def feedback_html(case: TrainingCase, attempt: Any, rs: Any) -> tuple[str, list[str]]:
    """The feedback on one submission, as the widget page shows it (escaped HTML), and the
    problems comparing it. Call only once the key is released."""
    # the feedback renderers are the widget page's own (escaped HTML strings); imported here,
    # on the first feedback shown, as they load ipywidgets
    from ...widgets.arms_feedback_view import render_feedback
    from ...widgets.feedback import (
        render_categories,
        render_headline,
        render_legend,
        render_rows,
    )

    fb = trainee_feedback(case, attempt, rs)
    parts = []
    if fb.rm2000 is not None:
        f = fb.rm2000
        parts.append("<h2>RM2000</h2>" + render_headline(f) + render_legend(f)
                     + render_rows(f) + render_categories(f))
    if fb.arms is not None:
        parts.append("<h2>ARMS</h2>" + render_feedback(fb.arms))
    return "".join(parts), list(fb.problems)
