"""Who may do what: the roles, where they come from, and the need-to-know rule for every kind of
record, in one place (pure Python; the store enforces it, `tests/test_store_access.py` tests it).

Roles: assessor, supervisor, trainer, team lead, administrator. Where they come from (`roles_of`):

1. the roles file, `RSO_ROLES_FILE` (default `<RSO_DATA_DIR>/roles.toml`)::

       [roles]
       administrator = ["local:root", "ops-lead"]
       supervisor = ["sam", "kim"]
       trainer = ["tina"]
       team_lead = ["lee"]
       [names]                      # what pages show instead of the user id
       sam = "DS Sam Patel"

2. JupyterHub groups: the hub configuration in `deploy/local-hub/` passes the user's groups to
   the user's server as `RSO_GROUPS` (comma-separated); a group named like a role (or `rso-`
   and the role, e.g. `rso-team-lead`) gives that role. Honoured only on a JupyterHub server
   (`JUPYTERHUB_USER` set); once the hub passes groups, roles are only what is configured.
3. With neither (a single-user install, as before): everyone has every role but administrator,
   and the computer's own account (`local:<name>`, no JupyterHub) is also the administrator.

Everyone is an assessor. Roles say what a person may do at all; the rules below say whose records
they may see. `RULES` is the table (also in DEVELOPERS.md); the predicates below it are what the
store calls. Supervision records keep their rules in `rso_widgets.supervision.access`, listed
here too.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

ASSESSOR, SUPERVISOR, TRAINER, TEAM_LEAD, ADMINISTRATOR = (
    "assessor", "supervisor", "trainer", "team_lead", "administrator")
ROLES = (ASSESSOR, SUPERVISOR, TRAINER, TEAM_LEAD, ADMINISTRATOR)
DEFAULT_ROLES = frozenset({ASSESSOR, SUPERVISOR, TRAINER, TEAM_LEAD})

# Why a read of someone else's record was allowed (written into its audit entry as `via`).
OWN, SUPERVISES, ADMIN, LEAD_WITH_CONSENT = "own", "supervisor", "administrator", "team_lead"


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
         "every write; every refusal"),
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
    Rule("teams, members, consents", "team view: its lead; a person's results: the person, "
         "their supervisor, their lead while consent is on",
         "team: RSO_TEAM_ADMINS (anyone if unset); roster: the lead; consent: the person",
         "every read and write; every refusal"),
    Rule("certification records (calibration over time)", "the person; a trainer (statuses, "
         "due dates and reasons, not the attempts); their assigned supervisor; their team lead "
         "while consent is on; an administrator", "nobody: worked out from practice attempts "
         "and workshop submissions", "reads by anyone else; every refusal"),
    Rule("acting as another user", "-", "an administrator only (`rso-workbook admin act-as`)",
         "the switch itself, and every refusal"),
)


def table_markdown() -> str:
    """`RULES` as a Markdown table (the one in DEVELOPERS.md is this, checked by a test)."""
    lines = ["| record | who may read | who may change | audited |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.kind} | {r.read} | {r.write} | {r.audited} |" for r in RULES]
    return "\n".join(lines)


# -- where roles come from ---------------------------------------------------------------------

def roles_file() -> Path:
    from ..settings import get_settings

    cfg = get_settings()
    return Path(cfg.roles_file or Path(cfg.data_dir) / "roles.toml").expanduser()


def read_roles_file(path: Path) -> tuple[dict[str, set[str]], dict[str, str]] | None:
    """(role → users, user → display name) from a roles file, or None if there is none.
    A bad file is a `ValueError` naming the file and the fix."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the roles file {path} cannot be read ({exc}): correct it or remove "
                         "it (see DEVELOPERS.md, 'Roles and need to know')") from exc
    roles: dict[str, set[str]] = {}
    for role, users in dict(data.get("roles", {})).items():
        if role not in ROLES:
            raise ValueError(f"the roles file {path} names an unknown role {role!r}: use "
                             f"{', '.join(ROLES)}")
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            raise ValueError(f"the roles file {path}: {role} must be a list of user names")
        roles[role] = {u.strip() for u in users if u.strip()}
    names = {str(k): str(v) for k, v in dict(data.get("names", {})).items()}
    return roles, names


def hub_groups(environ: Mapping[str, str] | None = None) -> set[str] | None:
    """Roles from the JupyterHub groups the hub passed in `RSO_GROUPS` (on a hub server only;
    None when the hub passed none at all, an empty set when the user is in no role group)."""
    env = os.environ if environ is None else environ
    if not env.get("JUPYTERHUB_USER") or "RSO_GROUPS" not in env:
        return None
    found = set()
    for group in env.get("RSO_GROUPS", "").split(","):
        name = group.strip().lower().removeprefix("rso-").replace("-", "_")
        if name in ROLES:
            found.add(name)
    return found


def roles_of(user: str, environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The roles of `user` (see the module docstring for the sources, in order)."""
    configured = read_roles_file(roles_file())
    groups = hub_groups(environ)
    if configured is None and groups is None:
        extra = {ADMINISTRATOR} if user.startswith("local:") else set()
        return DEFAULT_ROLES | extra
    mine = {ASSESSOR} | (groups or set())
    for role, users in (configured[0] if configured else {}).items():
        if user in users or "*" in users:
            mine.add(role)
    return frozenset(mine)


def configured_name(user: str) -> str | None:
    configured = read_roles_file(roles_file())
    return configured[1].get(user) if configured else None


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

TRAINS = "trainer"  # `via` of a trainer's read of someone's certification record


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
