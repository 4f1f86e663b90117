"""Who is using the workbook: taken from the environment, never typed into a box."""

from __future__ import annotations

import getpass
import os

from ..settings import get_settings
from .roles import configured_name

MAX_LEN = 200


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_LEN or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"user identity {value[:40]!r}… is not a plausible user name: "
                         "check JUPYTERHUB_USER / RSO_USER")
    return value


def current_user() -> str:
    """`JUPYTERHUB_USER`, else `RSO_USER` (settings.user), else the OS user as `local:<name>`."""
    hub = _clean(os.environ.get("JUPYTERHUB_USER"))
    if hub:
        return hub
    explicit = _clean(get_settings().user)
    if explicit:
        return explicit
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no USER env var and no passwd entry (some containers)
        name = f"uid{os.getuid()}"
    return f"local:{_clean(name) or 'unknown'}"


def display_name(user: str | None = None) -> str:
    """The name pages show for `user` (default: the current user), never a bare `local:` id:
    `RSO_DISPLAY_NAME` (the current user only; the hub sets it), else the roles file's
    `[names]`, else the account's full name, else the id without its `local:` prefix."""
    me = current_user()
    user = user or me
    if user == me:
        explicit = _clean(get_settings().display_name)
        if explicit:
            return explicit
    try:
        named = _clean(configured_name(user))
    except ValueError:
        named = None
    if named:
        return named
    if user.startswith("local:"):
        account = user.removeprefix("local:")
        try:
            import pwd  # POSIX only: on Windows the ImportError below is the answer

            full = pwd.getpwnam(account).pw_gecos.split(",")[0].strip()
        except (ImportError, KeyError):
            full = ""
        return full or account
    return user
