"""Supervision and practice development, for `workbooks/supervision.ipynb`: the assessor's and the
supervisor's view of their supervision sessions (agenda set by the assessor, notes, agreed
actions and their follow-up, assessments and plans discussed, the plan-quality rubric judged in
the session), observations of practice, the reflective diary, development goals, the person's
own consent setting for team reporting, and their CPD portfolio (HTML / PDF).

One module per tab (`sessions`, with `plan_review` for the rubric in a session; `observation`,
`diary`, `goals`, `sharing`), joined in `page.SupervisionApp`. Recording a session and changing
one are task list journeys (widgets/supervision_session.py); the other tabs are short views of
one form each. Every rule is the domain's (`rso_widgets.supervision`), enforced by the store,
whose acting user is `current_user()` — never a text box.
"""

from .page import NOTE, TABS, SupervisionApp, supervision

__all__ = ["NOTE", "TABS", "SupervisionApp", "supervision"]
