"""A part of a page built the first time it is used (`Deferred`): a task-list section's widgets
are made when the section is first opened, not when the page opens (`lazy_forms.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Deferred(Generic[T]):
    """A widget made by `make` the first time `get()` is called. `before_build` listeners run
    just before, `on_build` ones (given the widget) just after."""

    def __init__(self, make: Callable[[], T]):
        self._make = make
        self._widget: T | None = None
        self.before_build: list[Callable[[], None]] = []
        self.on_build: list[Callable[[T], None]] = []

    @property
    def built(self) -> bool:
        return self._widget is not None

    def get(self) -> T:
        if self._widget is None:
            for listener in self.before_build:
                listener()
            self._widget = self._make()
            for then in self.on_build:
                then(self._widget)
        return self._widget

    @property
    def form(self) -> T:
        """The widget, built now if it was not yet."""
        return self.get()
