"""Who may do what: the need-to-know rule for every kind of record, in one place (pure Python;
the store enforces it, `tests/test_store_access.py` tests it). Who holds which role, and where
that comes from (the roles file, JupyterHub groups, the single-user default), is `roles.py`.

Roles: assessor, supervisor, trainer, team lead, administrator. Everyone is an assessor. Roles
say what a person may do at all; the rules below say whose records they may see. `RULES` is the
table (also in DEVELOPERS.md); the predicates below it are what the store calls, for every kind
of record (supervision records included: the supervision package holds only the domain's data
and checks, the store applies these rules to it); `OPERATIONS` are the commands on the whole
store (audit log, backup, restore, retention).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from .roles import (  # the role names the rules (and their callers) use
    ADMINISTRATOR,
    ROLE_NAMES,
    SUPERVISOR,
    TEAM_LEAD,
    TRAINER,
)

# Why a read of someone else's record was allowed (written into its audit entry as `via`).
OWN, SUPERVISES, ADMIN, LEAD_WITH_CONSENT = "own", "supervisor", "administrator", "team_lead"
RUNS_WORKSHOP = TRAINS = "trainer"  # a trainer's read: of their workshop; of a certification


@dataclass(frozen=True)
class Operation:
    """A command on the whole store: who may run it, and the audit entry it leaves."""
    doing: str  # "read the audit log": completes "You may not …"
    command: str  # the `rso-workbook` command
    roles: tuple[str, ...]  # any of these roles may (their order: the `via` named)
    action: str  # the audit entry of a use or a refusal: action and entity
    entity: str


OPERATIONS: dict[str, Operation] = {
    "audit_show": Operation("read the audit log", "audit-log show", (ADMINISTRATOR,),
                            "view", "audit_log"),
    # verify shows no record's content, only whether rows still match the chain (naming
    # table and row): a team lead answers for their team's records and may check them too
    "audit_verify": Operation("verify the audit log", "audit-log verify",
                              (ADMINISTRATOR, TEAM_LEAD), "view", "audit_log"),
    "audit_anchor": Operation("anchor the audit log", "audit-log anchor", (ADMINISTRATOR,),
                              "export", "audit_head"),
    "backup": Operation("back up the database", "backup", (ADMINISTRATOR,), "export",
                        "database"),
    "restore": Operation("restore the database", "restore", (ADMINISTRATOR,), "change",
                         "database"),
    "retention_list": Operation("list the records past the retention period", "retention",
                                (ADMINISTRATOR,), "view", "retention"),
    "retention_delete": Operation("delete the records past the retention period",
                                  "retention --delete", (ADMINISTRATOR,), "delete",
                                  "retention"),
}


def operation_via(roles: Collection[str], name: str) -> str | None:
    """The role that lets a person with `roles` run operation `name`, or None: refused."""
    return next((r for r in OPERATIONS[name].roles if r in roles), None)


def operation_refusal(name: str) -> str:
    """The sentence a refusal of operation `name` shows: what, and who may."""
    op = OPERATIONS[name]
    who = " or ".join(ROLE_NAMES[r] for r in op.roles)
    return (f"You may not {op.doing} (rso-workbook {op.command}): only {who} may "
            "(roles are set in the roles file, RSO_ROLES_FILE, or by JupyterHub groups).")


@dataclass(frozen=True)
class Rule:
    kind: str
    read: str
    write: str
    audited: str


RULES: tuple[Rule, ...] = (
    Rule("persons", "whoever created the person or has an assessment of them; the supervisor "
         "of one of those; an administrator",
         "create: any assessor; delete: the creator or an administrator",
         "reads by a supervisor or administrator; every refusal"),
    Rule("assessments, versions, sign-offs",
         "whoever created the assessment, wrote, signed or countersigned one of its versions; "
         "the supervisor of one of those; an administrator",
         "new version, review date, sign: the same people less the administrator; "
         "countersign: a supervisor who supervises one of them and did not sign it",
         "reads by a supervisor or administrator; every write; every refusal"),
    Rule("drafts", "only their owner", "only their owner (an autosave is always the "
         "acting user's own draft)", "creation and deletion; every refusal"),
    Rule("practice attempts", "the person; their assigned supervisor; their team lead while "
         "the person's consent is on; an administrator",
         "only the person themself (always under the acting user's name)",
         "reads by anyone else; every refusal"),
    Rule("workshops, members, submissions",
         "a workshop's name and cases: anyone with the join code; members and submissions: the "
         "trainer who created it and administrators; a member's own submissions: that member",
         "create: a trainer; open/close, expiry, key release: its trainer or an administrator; "
         "join: anyone with the code; submit: the member themself",
         "every write; reads of members and answers by the trainer or an administrator (each "
         "row once per store session: a polling dashboard writes only when it shows something "
         "new); every refusal"),
    Rule("supervision sessions, actions, follow-ups", "the session's supervisor and assessor",
         "the same two; the agenda only the assessor; a session is started by the assessor or "
         "by a supervisor already supervising them", "every read and write; every refusal"),
    Rule("observations", "the observer, the observed assessor, the assessor's assigned "
         "supervisor and the linked session's supervisor", "the observer",
         "every read and write; every refusal"),
    Rule("diary", "the author; the supervisor of a session it is shared into",
         "only the author", "every read and write; every refusal"),
    Rule("values reflections, wellbeing check-ins", "the owner; the supervisor of a session "
         "the owner shares one into; a team lead sees only counts of wellbeing answers across "
         "the team, withheld below the minimum group size", "only the owner (a re-take is a new "
         "record; sharing and withdrawing by the owner)", "every read and write; every refusal"),
    Rule("goals", "the assessor, the supervisor of the session that set it, the assigned "
         "supervisor", "the same people", "every read and write; every refusal"),
    Rule("teams, members, consents", "roster (who leads, who supervises whom): anyone; team "
         "view: its lead; a person's results: the person, their supervisor, their lead while "
         "consent is on",
         "team: RSO_TEAM_ADMINS (anyone if unset); roster: the lead; consent: the person",
         "every read and write; every refusal"),
    Rule("certification records (calibration over time)", "the person; a trainer (statuses, "
         "due dates and reasons, not the attempts); their assigned supervisor; their team lead "
         "while consent is on; an administrator", "nobody: worked out from practice attempts "
         "and workshop submissions", "reads by anyone else; every refusal"),
    Rule("acting as another user", "-", "an administrator only (`rso-workbook admin act-as`)",
         "the switch itself, and every refusal"),
    Rule("the audit log, backups, retention", "audit-log show: an administrator; audit-log "
         "verify: an administrator or a team lead",
         "audit-log anchor, backup, restore, retention (the list and --delete): an "
         "administrator", "every use; every refusal"),
)


def table_markdown() -> str:
    """`RULES` as a Markdown table (the one in DEVELOPERS.md is this, checked by a test)."""
    lines = ["| record | who may read | who may change | audited |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.kind} | {r.read} | {r.write} | {r.audited} |" for r in RULES]
    return "\n".join(lines)


# -- the predicates the store calls ------------------------------------------------------------

def record_access(user: str, roles: Collection[str], owners: Collection[str],
                  supervisees: Collection[str]) -> str | None:
    """Why `user` may read a person or assessment whose own people are `owners`: OWN,
    SUPERVISES (a supervisor of one of them), ADMIN; None: refused."""
    if user in owners:
        return OWN
    if SUPERVISOR in roles and set(owners) & set(supervisees):
        return SUPERVISES
    if ADMINISTRATOR in roles:
        return ADMIN
    return None


def record_writable(via: str | None) -> bool:
    """New versions and review dates: the record's own people and their supervisors."""
    return via in (OWN, SUPERVISES)


def may_sign(via: str | None) -> bool:
    """Sign: whoever may change the record (its own people and their supervisors)."""
    return record_writable(via)


def may_countersign(user: str, roles: Collection[str], owners: Collection[str],
                    supervisees: Collection[str], signer: str | None) -> bool:
    return (SUPERVISOR in roles and user != signer
            and bool(set(owners) & set(supervisees) - {user}))


def may_create(roles: Collection[str], needed: str) -> bool:
    return needed in roles


def person_deletable(user: str, roles: Collection[str], creator: str) -> bool:
    return user == creator or ADMINISTRATOR in roles


def practice_access(user: str, roles: Collection[str], subject: str, *,
                    assigned_supervisor: str | None, lead: str | None,
                    consent: bool) -> str | None:
    """Why `user` may read `subject`'s practice attempts, or None."""
    if user == subject:
        return OWN
    if assigned_supervisor is not None and user == assigned_supervisor:
        return SUPERVISES
    if consent and lead is not None and user == lead:
        return LEAD_WITH_CONSENT
    if ADMINISTRATOR in roles:
        return ADMIN
    return None


def workshop_manageable(user: str, roles: Collection[str], creator: str) -> bool:
    return user == creator or ADMINISTRATOR in roles


def may_act_as(roles: Collection[str]) -> bool:
    return ADMINISTRATOR in roles


def reflection_readable(user: str, owner: str, shared_supervisor: str | None) -> bool:
    """A values reflection or wellbeing check-in: its owner, or the supervisor of the session
    the owner shared it into. Nobody else, administrators included: it is personal."""
    return user == owner or (shared_supervisor is not None and user == shared_supervisor)


# -- certification records (issue 16) ---------------------------------------------------------

def certification_access(user: str, roles: Collection[str], subject: str, *,
                         assigned_supervisor: str | None, lead: str | None,
                         consent: bool) -> str | None:
    """Why `user` may read `subject`'s certification record (status, due date, reasons), or
    None: as practice attempts, and a trainer too (who sees who is due for a re-test)."""
    via = practice_access(user, roles, subject, assigned_supervisor=assigned_supervisor,
                          lead=lead, consent=consent)
    if via is None and TRAINER in roles:
        return TRAINS
    return via


# -- supervision records (the rows of RULES from "supervision sessions" to "teams") ------------
# The store passes the supervision domain's records (`supervision.models`); only these fields
# are read.

class _Session(Protocol):
    @property
    def supervisor(self) -> str: ...
    @property
    def assessor(self) -> str: ...


class _Observation(Protocol):
    @property
    def observer(self) -> str: ...
    @property
    def assessor(self) -> str: ...


class _Diary(Protocol):
    @property
    def author(self) -> str: ...
    @property
    def shared_session_id(self) -> int | None: ...


class _Goal(Protocol):
    @property
    def assessor(self) -> str: ...


class _Team(Protocol):
    @property
    def lead(self) -> str: ...


def session_readable(user: str, session: _Session) -> bool:
    """A supervision session: only its supervisor and its assessor."""
    return user in (session.supervisor, session.assessor)


def session_writable(user: str, session: _Session) -> bool:
    return session_readable(user, session)


def agenda_writable(user: str, assessor: str) -> bool:
    """Only the assessor sets the agenda (supervision is led by the assessor's needs)."""
    return user == assessor


def session_creatable(user: str, supervisor: str, assessor: str, *,
                      assigned_supervisor: str | None, paired_before: bool) -> bool:
    """Started by the assessor, or by a supervisor already supervising them (assigned in the
    roster, or `paired_before`: an earlier session between these two exists, so it was
    accepted): nobody can make themselves someone's supervisor."""
    if user == assessor:
        return True
    return user == supervisor and (assigned_supervisor == supervisor or paired_before)


def observation_readable(user: str, obs: _Observation, *, assigned_supervisor: str | None,
                         session_supervisor: str | None) -> bool:
    """The observer, the observed assessor, the assessor's assigned supervisor and the
    supervisor of the session it is linked to."""
    allowed = {obs.observer, obs.assessor, assigned_supervisor, session_supervisor}
    return user in allowed - {None}


def diary_readable(user: str, entry: _Diary, *, shared_supervisor: str | None) -> bool:
    """Only its author, unless shared into a session; then also that session's supervisor."""
    if user == entry.author:
        return True
    return entry.shared_session_id is not None and user == shared_supervisor


def diary_writable(user: str, entry: _Diary) -> bool:
    """Only the author changes, shares or deletes a diary entry."""
    return user == entry.author


def goal_readable(user: str, goal: _Goal, *, session_supervisor: str | None,
                  assigned_supervisor: str | None) -> bool:
    """The assessor, the supervisor of the session that set it, the assigned supervisor."""
    return user in {goal.assessor, session_supervisor, assigned_supervisor} - {None}


def goal_writable(user: str, goal: _Goal, *, session_supervisor: str | None,
                  assigned_supervisor: str | None) -> bool:
    return goal_readable(user, goal, session_supervisor=session_supervisor,
                         assigned_supervisor=assigned_supervisor)


def individual_readable(user: str, subject: str, *, assigned_supervisor: str | None,
                        lead: str | None, consent: bool) -> bool:
    """A person's individual results (CPD record, per-person team figures): the person, their
    assigned supervisor, and their team lead only while the person's consent is on."""
    if user in (subject, assigned_supervisor):
        return True
    return consent and lead is not None and user == lead


def consent_writable(user: str, subject: str) -> bool:
    """Only the person changes their consent setting."""
    return user == subject


def team_view_readable(user: str, team: _Team) -> bool:
    """A team view (anonymised aggregates and consenting people's results): only its lead."""
    return user == team.lead


def roster_writable(user: str, team: _Team) -> bool:
    return user == team.lead


def team_creatable(user: str, admins: Collection[str]) -> bool:
    """With no team admins configured (RSO_TEAM_ADMINS) anyone may create a team (and lead
    it)."""
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
