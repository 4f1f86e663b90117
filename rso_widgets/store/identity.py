"""Who is using the workbook: taken from the environment, never typed into a box."""

from __future__ import annotations

import getpass
import os

from ..settings import get_settings

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
