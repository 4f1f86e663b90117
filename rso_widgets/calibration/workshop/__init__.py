"""Workshop mode, without widgets: join codes, who may see what and when, and the trainer's
refresh (store → incremental cohort frame → statistics → view models).

- `codes`: join codes, 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L); typed
  codes are normalised (case, spaces, hyphens); display names; code expiry; draft keys (cohort
  + member + case). `store.joining.join_workshop` turns every refusal (wrong code, expired
  code, closed workshop, name taken) into a `JoinProblem` naming the field to fix, and lets the
  same signed-in user rejoin under their name (after a page reload or a dead kernel).
- `gating`: trainees see no key and no feedback until the trainer releases the key
  (`feedback_released`); submissions are refused once the workshop is closed (the store
  enforces it; the trainee's answers are then kept as a draft by the app).
- `submissions`: each case is scored with RM2000, ARMS or both (`case_instruments`; ARMS only
  for cases with an ARMS key). A submission carries the case's instruments in one payload
  (`workshop_payload`: `{"facts", "entered"}` for RM2000, `{"arms": …}` for ARMS), which the
  cohort frame reads per instrument. `arms_problems` is the ARMS submit guard (every factor
  rated).
- `answers` (imported by its module path): a trainee's answers at a case, for both trainee
  pages (the widget page and the room page): the draft's shape (`draft_payload`), restoring a
  draft or a submission (`restore_parts`, `answers_source`), every problem that stops a
  submission (`rm2000_problems`, `entered_problems`, `arms_refusal`, `arms_rating_gaps`), the
  refused/submitted sentences, and the one for a save refused because the draft changed in
  another window or device (`conflict_sentence`); whether a refresh's read shows the open
  case's answers submitted or changed there (`changed_elsewhere`, `elsewhere_notice`).
- `trainee`: `arms_start` keeps the key out of a blank ARMS attempt when RM2000 is scored too;
  `trainee_feedback` compares a submission with the key once it is released.
- `model`: the dashboard's view model, statistics lines and debrief prompts.
- `refresh`: `WorkshopRefresher.refresh()` is what the dashboard's Refresh button (and its
  timer) calls. It keeps the case keys and the frame of submissions already compared, asks the
  store only for submissions newer than the last one seen, compares only those with the key,
  recomputes each trainee's calibration status only when their submissions changed, and
  recomputes the cohort statistics only when anything changed. `frame` always equals
  `cohort_frame` over every submission (tested).
- The exports (results, trainees, statistics tables) are `reports.workshop`.

`trainee` and `refresh` load the case keys, pandas and the statistics: they are imported on
first use of their names (below), so the trainee page's first view stays lean (tests/
test_workshop.py: `test_trainee_page_first_view_imports_no_database_code`,
`test_served_pages_stay_lean`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    DRAFT_PREFIX,
    EXPIRY_CHOICES,
    NAME_MAX,
    NOTEBOOK_PAGE,
    ROOM_PAGE,
    TRAINEE_PAGE_CHOICES,
    TRAINEE_PAGES,
    JoinProblem,
    code_problem,
    draft_key,
    expiry_at,
    name_problem,
    new_join_code,
    normalise_code,
    trainer_code_problem,
)
from .gating import (
    cohort_state,
    feedback_released,
    trainee_state_line,
    unsubmitted,
    unsubmitted_warning,
)
from .model import (
    DASHBOARD_N_BOOT,
    NO_ARMS,
    NO_RM2000,
    STAT_LABELS,
    STAT_MEANING,
    STAT_PLAIN,
    DashboardModel,
    Prompt,
    RosterRow,
    StatLine,
    prompts_from,
    rm2000_status,
    stat_lines,
)
from .submissions import (
    INSTRUMENT_CHOICES,
    INSTRUMENT_NAMES,
    arms_problems,
    case_instruments,
    instruments_problem,
    instruments_text,
    submission_parts,
    workshop_payload,
)

if TYPE_CHECKING:
    from .refresh import STATUS_COLUMNS, IncrementalFrame, WorkshopRefresher
    from .trainee import TraineeFeedback, arms_start, trainee_feedback

__all__ = [
    "CODE_ALPHABET", "CODE_LENGTH", "DASHBOARD_N_BOOT", "DRAFT_PREFIX", "EXPIRY_CHOICES",
    "INSTRUMENT_CHOICES", "INSTRUMENT_NAMES", "NAME_MAX", "NOTEBOOK_PAGE", "NO_ARMS",
    "NO_RM2000", "ROOM_PAGE", "STATUS_COLUMNS", "STAT_LABELS", "STAT_MEANING", "STAT_PLAIN",
    "TRAINEE_PAGES", "TRAINEE_PAGE_CHOICES", "DashboardModel", "IncrementalFrame",
    "JoinProblem", "Prompt", "RosterRow", "StatLine", "TraineeFeedback", "WorkshopRefresher",
    "arms_problems", "arms_start", "case_instruments", "code_problem", "cohort_state",
    "draft_key", "expiry_at", "feedback_released", "instruments_problem", "instruments_text",
    "name_problem", "new_join_code", "normalise_code", "prompts_from", "rm2000_status",
    "stat_lines", "submission_parts", "trainee_feedback", "trainee_state_line",
    "trainer_code_problem", "unsubmitted", "unsubmitted_warning", "workshop_payload",
]

# name → submodule imported on first use (pandas, the statistics, the case keys: see above)
_LAZY = {"IncrementalFrame": "refresh", "STATUS_COLUMNS": "refresh",
         "WorkshopRefresher": "refresh", "TraineeFeedback": "trainee", "arms_start": "trainee",
         "trainee_feedback": "trainee"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
