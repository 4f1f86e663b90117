"""Who may see or change which supervision record: pure functions, enforced by the store.

- A supervision session: only its supervisor and its assessor. Only the assessor sets the agenda
  (supervision is led by the assessor's needs). A session is started by the assessor, or by a
  supervisor already supervising them (assigned in the team roster, or named by the assessor in
  an earlier session): nobody can make themselves someone's supervisor.
- An observation: the observer, the observed assessor, the assessor's assigned supervisor and the
  supervisor of the session it is linked to.
- A diary entry: only its author, unless shared into a session; then also that session's
  supervisor. Only the author changes, shares or deletes it.
- A development goal: the assessor, the supervisor of the session that set it, and the assessor's
  assigned supervisor.
- A person's individual results (CPD record, per-person team figures): the person, their assigned
  supervisor, and their team lead only while the person's consent setting is on. Only the person
  changes that setting.
- A team view: only the team lead; it holds anonymised aggregates and consenting people's results.
"""

from __future__ import annotations

from collections.abc import Collection

from .models import DiaryRecord, GoalRecord, ObservationRecord, SessionRecord, TeamRecord


def session_readable(user: str, session: SessionRecord) -> bool:
    return user in (session.supervisor, session.assessor)


def session_writable(user: str, session: SessionRecord) -> bool:
    return session_readable(user, session)


def agenda_writable(user: str, assessor: str) -> bool:
    return user == assessor


def session_creatable(user: str, supervisor: str, assessor: str, *,
                      assigned_supervisor: str | None, paired_before: bool) -> bool:
    """`paired_before`: an earlier session between these two exists (so it was accepted)."""
    if user == assessor:
        return True
    return user == supervisor and (assigned_supervisor == supervisor or paired_before)


def observation_readable(user: str, obs: ObservationRecord, *, assigned_supervisor: str | None,
                         session_supervisor: str | None) -> bool:
    allowed = {obs.observer, obs.assessor, assigned_supervisor, session_supervisor}
    return user in allowed - {None}


def diary_readable(user: str, entry: DiaryRecord, *, shared_supervisor: str | None) -> bool:
    if user == entry.author:
        return True
    return entry.shared_session_id is not None and user == shared_supervisor


def diary_writable(user: str, entry: DiaryRecord) -> bool:
    return user == entry.author


def goal_readable(user: str, goal: GoalRecord, *, session_supervisor: str | None,
                  assigned_supervisor: str | None) -> bool:
    return user in {goal.assessor, session_supervisor, assigned_supervisor} - {None}


def goal_writable(user: str, goal: GoalRecord, *, session_supervisor: str | None,
                  assigned_supervisor: str | None) -> bool:
    return goal_readable(user, goal, session_supervisor=session_supervisor,
                         assigned_supervisor=assigned_supervisor)


def individual_readable(user: str, subject: str, *, assigned_supervisor: str | None,
                        lead: str | None, consent: bool) -> bool:
    if user in (subject, assigned_supervisor):
        return True
    return consent and lead is not None and user == lead


def consent_writable(user: str, subject: str) -> bool:
    return user == subject


def team_view_readable(user: str, team: TeamRecord) -> bool:
    return user == team.lead


def roster_writable(user: str, team: TeamRecord) -> bool:
    return user == team.lead


def team_creatable(user: str, admins: Collection[str]) -> bool:
    """With no admins configured anyone may create a team (and lead it)."""
    return not admins or user in admins


def supervises(user: str, assessor: str, *, assigned_supervisor: str | None,
               paired_before: bool) -> bool:
    """`user` is `assessor`'s supervisor: assigned in the roster, or in an earlier session."""
    return user != assessor and (user == assigned_supervisor or paired_before)


def assessments_listable(user: str, assessor: str, *, assigned_supervisor: str | None,
                         paired_before: bool) -> bool:
    """The list of an assessor's assessments and plans (to link or review in supervision): the
    assessor and their supervisor."""
    return user == assessor or supervises(user, assessor, assigned_supervisor=assigned_supervisor,
                                          paired_before=paired_before)
