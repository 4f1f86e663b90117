"""The supervision page: six tabs over one `Store` (acting as its user), each tab a module of
this package. Only the sessions tab is built when the page opens; each other tab the first time
it is chosen, so the page has few widgets to send when it opens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ... import store as stores
from ...instruments.plan_quality import load_rubric
from ...store.identity import display_name
from ...supervision.lists import load_observation_scale, load_supervision_lists
from ...widgets.fields import Notice, esc, form_style, safe_callback
from ..startup import could_not_start
from .base import report
from .diary import DiaryTab
from .goals import GoalsTab
from .observation import ObservationTab
from .plan_review import PlanReviewPart
from .sessions import SessionsTab
from .sharing import SharingTab
from .wellbeing import WellbeingTab

if TYPE_CHECKING:
    from ...store import Store

NOTE = ("Supervision records are confidential to the supervisor and the assessor. Supervision "
        "is led by the assessor's own needs: the assessor sets the agenda. Write about the "
        "people you work with respectfully and only as much as the record needs.")
READS = (("refresh_sessions", "reading your sessions"),
         ("refresh_observations", "reading the observations"),
         ("refresh_diary", "reading your diary"), ("refresh_goals", "reading the goals"),
         ("refresh_consent", "reading your sharing choice"))
TABS = ["Supervision sessions", "Observation of practice", "Reflective diary",
        "Development goals", "Sharing and CPD portfolio", "Wellbeing check-in"]


class SupervisionApp(SessionsTab, PlanReviewPart, ObservationTab, DiaryTab, GoalsTab,
                     SharingTab, WellbeingTab, w.VBox):
    """The supervision page: six tabs over one `Store` (acting as its user)."""

    _TAB_PARTS = (None, "observe", "diary", "goals", "sharing", "wellbeing")

    def __init__(self, store: Store, **kwargs: Any) -> None:
        self.store = store
        self.sup = store.supervision
        self.user = store.user
        self.lists = load_supervision_lists()
        self.scale = load_observation_scale()
        self.rubric = load_rubric()
        self.sessions = []
        self.current = None
        self._review = None
        self._parts = {}
        self.failure = Notice(layout=w.Layout(display="none"))

        team = self.sup.team_of()
        member = team.member(self.user) if team else None
        self.assigned_supervisor = member.supervisor if member else None
        self.supervisees = self.sup.supervisees()
        people = set(self.supervisees) | ({self.assigned_supervisor} - {None})
        if team is not None:
            people |= {m.username for m in team.members} | {team.lead}
        people.discard(self.user)
        self.people = sorted(people)
        self.names = {p: display_name(p) for p in self.people}
        self.names[self.user] = store.display_name

        self.tabs = w.Tab(children=[self._build_sessions_tab(), *(w.VBox() for _ in TABS[1:])],
                          titles=TABS)
        self.tabs.observe(self._on_tab, names="selected_index")
        intro = w.HTML(
            f'<p class="rso-sup-intro">You are signed in as '
            f"<strong>{esc(self.store.display_name)}</strong>. {esc(NOTE)}</p>")
        # the kit stylesheet from the first view: tabs never cut off, hints above
        super().__init__(children=[form_style(), intro, self.failure, self.tabs], **kwargs)
        self.add_class("rso-supervision")
        self.refresh()

    @safe_callback(report, "opening the tab")
    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is not None and 0 < index < len(self._TAB_PARTS):
            self._part(self._TAB_PARTS[index])

    def refresh(self) -> None:
        """Read everything the tabs show, each part on its own (the one error wrapper round each:
        a failure hides only that part, and says so at the top of the page)."""
        for name, what in READS:
            safe_callback(report, what, kept=False)(lambda app, n=name: getattr(app, n)())(self)


def supervision(store: Store | None = None) -> w.Widget:
    """Build the supervision page. Returns the widget (the notebook's last expression shows it).

    `store` defaults to the configured database, acting as `current_user()`. A readable message
    replaces a traceback if the page cannot be built."""
    try:
        if store is None:
            store = stores.open_store()
        return SupervisionApp(store)
    except Exception as exc:
        return could_not_start("The supervision workbook", exc)
