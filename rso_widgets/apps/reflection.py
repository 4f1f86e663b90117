"""Values reflection (`workbooks/values_reflection.ipynb`) and the wellbeing check-in (a part of
supervision): private to the person, shared into supervision only by them, never a score.

Assembles widgets over `supervision.reflection` (the rules) and `store.supervision` (records,
access and audit). Every callback catches and shows a plain message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..store import open_store
from ..store.identity import display_name
from ..supervision import InvalidRecord
from ..supervision.reflection import (
    NOT_A_TEST,
    VALUES,
    WELLBEING,
    changes,
    load_signposts,
    load_values_reflection,
    load_wellbeing,
    needs_support,
)
from ..widgets.fields import Notice, esc, form_style, notice_report, safe_callback
from ..widgets.reflection_sharing import SharingPanel, when
from ..widgets.values_reflection import ValuesReflectionForm, changes_html
from ..widgets.wellbeing import WellbeingForm, team_wellbeing_html
from .startup import guarded

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger("rso_widgets.apps.reflection")

PRIVACY = ("Only you can see your answers. You can share one into a supervision session, where "
           "your supervisor can read it; nobody else can, and every read is recorded.")


_report = notice_report()


class _Personal(w.VBox):
    """What both pages share: the store, a failure notice, the sharing panel."""

    kind = VALUES
    noun = "reflection"

    def __init__(self, store: Store, children: list[w.Widget]) -> None:
        self.store = store
        self.sup = store.supervision
        self.failure = Notice()
        self.failure.clear()
        self.sharing = SharingPanel(self.noun, self._share)
        super().__init__([form_style(), self.failure, *children, self.sharing])
        self.add_class("rso-form")

    def mine(self) -> list[Any]:
        return self.sup.my_reflections(self.kind)

    def refresh_sharing(self) -> None:
        sessions = [s for s in self.sup.sessions() if s.assessor == self.store.user]
        self.sharing.show(self.mine(), sessions, display_name)

    @safe_callback(_report, "sharing")
    def _share(self, record_id: int, session_id: int | None) -> None:
        self.sup.share_reflection(record_id, session_id)
        self.refresh_sharing()
        self.sharing.notice.say("Shared into the session you chose." if session_id
                                else "It is private to you again.")


class ValuesReflectionApp(_Personal):
    """Answer the reflection (task list, check answers, save); see what changed since last
    time; share one into supervision."""

    def __init__(self, store: Store) -> None:
        self.reflection_form = ValuesReflectionForm(load_values_reflection(), self._save)
        self.result = w.HTML()
        intro = w.HTML(f"<p class='rso-intro'>Signed in as <strong>{esc(store.display_name)}"
                       f"</strong>. {esc(NOT_A_TEST)} {esc(PRIVACY)}</p>")
        super().__init__(store, [intro, self.reflection_form.journey, self.result])
        self.add_class("rso-values-reflection")
        self.refresh_sharing()

    @safe_callback(_report, "saving your reflection")
    def _save(self, form: ValuesReflectionForm) -> None:
        earlier = self.mine()
        try:
            saved = self.sup.save_reflection(VALUES, form.value)
        except InvalidRecord as exc:
            form.show_store_problems(exc.problems)
            return
        form.journey.done(f"Your reflection is saved ({when(saved)}). {PRIVACY}")
        if earlier:
            moved = changes(form.form, earlier[0].answers, saved.answers)
            self.result.value = changes_html(moved, when(earlier[0]))
        else:
            self.result.value = ("<p>This is your first reflection. When you take it again, "
                                 "this page shows how your answers changed.</p>")
        self.refresh_sharing()


class WellbeingApp(_Personal):
    """The check-in, support, sharing; and for a team lead, the team's counts."""

    kind = WELLBEING
    noun = "check-in"

    def __init__(self, store: Store) -> None:
        self.checkin = WellbeingForm(load_wellbeing(), load_signposts(), self._save)
        self.team = w.HTML()
        super().__init__(store, [self.checkin])
        self.children = (*self.children, self.team)
        self.add_class("rso-wellbeing-app")
        self.refresh_sharing()
        self.refresh_team()

    @safe_callback(_report, "saving your check-in")
    def _save(self, form: WellbeingForm) -> None:
        try:
            self.sup.save_reflection(WELLBEING, form.value)
        except InvalidRecord as exc:
            form.show_store_problems(exc.problems)
            return
        form.saved(needs_support(form.form, form.value))
        form.reset()
        self.refresh_sharing()

    def refresh_team(self) -> None:
        led = self.sup.teams_led()
        if not led:
            self.team.value = ""
            return
        parts = ["<h2>Wellbeing across the teams you lead</h2>"]
        for t in led:
            counts = team_wellbeing_html(self.sup.team_wellbeing(t.id))
            parts.append(f"<h3>{esc(t.name)}</h3>{counts}")
        self.team.value = "".join(parts)


def values_reflection(store: Store | None = None) -> w.Widget:
    """Build the values reflection page (the notebook's last expression shows it)."""

    def build() -> w.Widget:
        return ValuesReflectionApp(store or open_store())

    return guarded("The values reflection workbook", build)


def wellbeing_checkin(store: Store | None = None) -> w.Widget:
    """Build the wellbeing check-in (used in the supervision page)."""

    def build() -> w.Widget:
        return WellbeingApp(store or open_store())

    return guarded("The wellbeing check-in", build)
