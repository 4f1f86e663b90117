"""A store opened on first use: a page whose first view needs no database (the workshop trainee
page shows the join form first) neither imports SQLAlchemy nor touches the database until the
person acts, so a preheated page has read nothing while it waits (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class LazyStore:
    """Stands in for a `Store`: the first attribute asked for opens the real one."""

    def __init__(self, opener: Callable[[], Any]):
        self._opener = opener
        self._store: Any = None

    @property
    def opened(self) -> bool:
        return self._store is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._store is None:
            self._store = self._opener()
        return getattr(self._store, name)
