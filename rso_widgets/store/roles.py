"""Who holds which role, and where that comes from (the access rules that use roles are in
`policy.py`).

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

Everyone is an assessor. Who may create teams is the setting `RSO_TEAM_ADMINS` (`team_admins`);
who leads a team and who supervises whom is the team roster, kept in the store.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from ..settings import get_settings

ASSESSOR, SUPERVISOR, TRAINER, TEAM_LEAD, ADMINISTRATOR = (
    "assessor", "supervisor", "trainer", "team_lead", "administrator")
ROLES = (ASSESSOR, SUPERVISOR, TRAINER, TEAM_LEAD, ADMINISTRATOR)
DEFAULT_ROLES = frozenset({ASSESSOR, SUPERVISOR, TRAINER, TEAM_LEAD})
ROLE_NAMES = {ADMINISTRATOR: "an administrator", TEAM_LEAD: "a team lead",
              SUPERVISOR: "a supervisor", TRAINER: "a trainer", ASSESSOR: "an assessor"}


# -- the sources -------------------------------------------------------------------------------

def roles_file() -> Path:
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


def team_admins() -> list[str]:
    """Who may create teams (`RSO_TEAM_ADMINS`); empty: anyone may."""
    return list(get_settings().team_admins)
