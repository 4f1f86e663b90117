"""What every tab of the supervision page shares: the app's state as the tab modules see it, the
error wrapper of a save (`form_call`, one `fields.safe_callback`), and small helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ...widgets.dates import date_text
from ...widgets.fields import Notice, esc, notice_report
from ...widgets.supervision_forms import form_call, plain_refusal

if TYPE_CHECKING:
    from ...store import Store

__all__ = ["TabBase", "day", "form_call", "part", "plain_refusal", "report",
           "section_heading"]


def part(name: str, key: str | None = None) -> Any:
    """A tab's widget (or, with no `key`, the whole part), built the first time it is asked
    for (`TabBase._part`)."""
    def get(self: TabBase) -> Any:
        built = self._part(name)
        return built if key is None else built[key]
    return property(get)


report = notice_report()  # a callback's unexpected failure: said at the top of the page


def day(d: Any) -> str:
    return date_text(d)


def section_heading(title: str, level: int = 3) -> w.HTML:
    return w.HTML(f'<h{level} class="rso-sup-section">{esc(title)}</h{level}>')


class TabBase:
    """The state the tab modules share (set by `SupervisionApp.__init__`)."""

    store: Store
    sup: Any
    user: str
    lists: Any
    scale: Any
    rubric: Any
    sessions: list[Any]
    current: Any
    supervisees: list[str]
    people: list[str]
    names: dict[str, str]
    failure: Notice
    tabs: w.Tab
    _parts: dict[str, Any]

    def _part(self, name: str) -> Any:
        if name not in self._parts:
            self._parts[name] = getattr(self, f"_build_{name}")()
        return self._parts[name]

    def _built(self, name: str) -> bool:
        return name in self._parts

    def name(self, user: str) -> str:
        """A person's display name (their user name if none is known)."""
        return self.names.get(user, user)

    def refresh_sessions(self) -> None: ...
    def refresh_observations(self) -> None: ...
    def refresh_diary(self) -> None: ...
    def refresh_goals(self) -> None: ...
    def refresh_consent(self) -> None: ...
    def open_session(self, session_id: int) -> Any: ...
    def reread_session(self) -> None: ...
