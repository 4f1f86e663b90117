"""Open the store as a named person, the way their server does: the identity comes from the
environment (`JUPYTERHUB_USER`, as JupyterHub sets it), never from an argument of the store.

    alice = open_as(url, user="alice")          # like open_store(url), signed in as alice
    bob = store_as(alice.engine, user="bob")    # another person on the same database

The environment is process-wide: open every store before starting threads that use them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rso_widgets.store import Store, open_store

_KEYS = ("JUPYTERHUB_USER", "RSO_GROUPS")


@contextmanager
def signed_in(user: str | None, groups: str | None = None) -> Iterator[None]:
    """While the block runs, the environment says `user` is signed in (with hub `groups`)."""
    if user is None:
        yield
        return
    saved = {k: os.environ.get(k) for k in _KEYS}
    os.environ["JUPYTERHUB_USER"] = user
    if groups is None:
        os.environ.pop("RSO_GROUPS", None)
    else:
        os.environ["RSO_GROUPS"] = groups
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def open_as(*args: Any, user: str | None = None, groups: str | None = None,
            **kwargs: Any) -> Store:
    """`open_store(*args, **kwargs)` signed in as `user` (None: whoever the environment says)."""
    with signed_in(user, groups):
        return open_store(*args, **kwargs)


def store_as(engine: Any, *, user: str | None = None, groups: str | None = None) -> Store:
    """A `Store` on `engine` signed in as `user`."""
    with signed_in(user, groups):
        return Store(engine)


def supervised_by(assessor: Store, *supervisors: str) -> None:
    """Make each of `supervisors` the supervisor of `assessor`'s user (a session held
    yesterday, started by the assessor): then they may open, change and countersign the
    assessor's assessments (`store.policy`)."""
    import datetime as dt

    from rso_widgets.supervision.validation import today_in_england

    for name in supervisors:
        assessor.supervision.create_session({
            "supervisor": name, "assessor": assessor.user,
            "held_on": today_in_england() - dt.timedelta(days=1)})


def roles_file(monkeypatch: Any, folder: Any, **roles: list[str]) -> Any:
    """Write a roles file (role → users, e.g. `administrator=["ops"]`) into `folder` and point
    RSO_ROLES_FILE at it for the rest of the test."""
    from rso_widgets.settings import get_settings

    path = folder / "roles.toml"
    path.write_text("[roles]\n" + "".join(f"{role} = {users!r}\n".replace("'", '"')
                                          for role, users in roles.items()), encoding="utf-8")
    monkeypatch.setenv("RSO_ROLES_FILE", str(path))
    get_settings.cache_clear()
    return path


def administrators(monkeypatch: Any, folder: Any, *users: str) -> Any:
    """A roles file that keeps everyone's default roles (every role but administrator, as with
    no roles file) and makes `users` administrators too: for tests of administrators'
    commands (backup, restore, retention, the audit log)."""
    return roles_file(monkeypatch, folder, administrator=list(users), supervisor=["*"],
                      trainer=["*"], team_lead=["*"])
