"""Team quality, for `workbooks/team_quality.ipynb`: a team lead's view of the quality of the
team's risk management plans (criterion by criterion and over time), calibration against the
training keys, supervision held against due, and the development themes emerging — to plan
training, not to rank people. It never counts plans or visits per person; a person's own results
appear only with their agreement; figures from fewer people than the configured minimum are
withheld (and the page says so).

Assembles widgets only; the figures are the domain's (`supervision.team`), read through the
store as `current_user()` — only a team's lead can see its view. Every callback catches and shows
a plain message. plotly is imported only when a chart is drawn, from a callback.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .. import store as stores
from ..instruments.plan_quality import load_rubric
from ..store import AccessDenied, StoreError
from ..widgets.fields import Notice, esc, form_style, notice_report, safe_callback, text_button
from ..widgets.supervision_forms import PageProblem, form_call, plain_refusal
from ..widgets.team_quality_view import TeamQualityView
from ..widgets.team_roster import MemberForm, TeamCreateForm
from .startup import could_not_start

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger("rso_widgets.apps.team_quality")

NOTE = ("This page shows the quality of plans and of practice development across your team, "
        "to plan training and support. It never counts plans or visits per person and ranks "
        "nobody. A person's own results are shown only if they have agreed.")
PERIODS = [("Quarter", "quarter"), ("Month", "month")]
_report = notice_report()


class TeamQualityApp(w.VBox):
    """Choose one of your teams and see its view; set up a team and its members."""

    def __init__(self, store: Store, **kwargs: Any) -> None:
        self.store = store
        self.sup = store.supervision
        self.user = store.user
        self.rubric = load_rubric()
        self.teams: list[Any] = []
        self.failure = Notice(layout=w.Layout(display="none"))
        self.status = Notice(layout=w.Layout(display="none"))
        self.team = w.Dropdown(options=[], description="Team",
                               style={"description_width": "initial"})
        self.period = w.Dropdown(options=PERIODS, value="quarter",
                                 description="Show the trend by",
                                 style={"description_width": "initial"})
        self.show_button = text_button("Show the team view", primary=True)
        self.show_button.on_click(self._on_show)
        self.none_led = w.HTML(
            "<p class='rso-hint'>You do not lead a team yet. A team "
            "view is for the team's lead: create a team below, or ask your team lead.</p>",
            layout=w.Layout(display="none"))
        self.chooser = w.VBox([self.team, self.period, self.show_button])
        self.view = TeamQualityView()
        self.create_form = TeamCreateForm()
        self.create_form.on_submit(self._on_create)
        self.member_form = MemberForm()
        self.member_form.on_submit(self._on_member)
        self.roster = w.HTML("")
        setup = w.VBox([w.HTML("<h2 class='rso-section-heading'>Set up your team</h2>"),
                        self.roster, self.member_form, self.create_form])
        intro = w.HTML(
            f'<p class="rso-note">'
            f"You are signed in as <strong>{esc(self.store.display_name)}</strong>. "
            f"{esc(NOTE)}</p>")
        super().__init__(children=[form_style(), intro, self.failure, self.none_led,
                                   self.chooser, self.status, self.view, setup], **kwargs)
        self.add_class("rso-app")
        self.add_class("rso-team-quality")
        self.refresh_teams()

    def refresh_teams(self) -> None:
        self.teams = self.sup.teams_led()
        self.team.options = [(t.name, t.id) for t in self.teams]
        if self.teams:
            self.team.index = 0
        led = bool(self.teams)
        self.none_led.layout.display = "none" if led else ""
        self.chooser.layout.display = "" if led else "none"
        self.member_form.set_teams(self.teams)
        self.roster.value = "".join(_roster_html(t) for t in self.teams)

    # -- the view ------------------------------------------------------------------------------
    @safe_callback(_report, "showing the team view")
    def _on_show(self, _b: Any = None) -> None:
        self.show_team()

    def show_team(self, team_id: int | None = None, *, draw: bool = True) -> Any:
        """Read and show the team view (team lead only; audited by the store)."""
        team_id = team_id if team_id is not None else self.team.value
        self.failure.clear()
        self.status.clear()
        if team_id is None:
            self.status.say("Choose a team first.", kind="error")
            return None
        try:
            view = self.sup.team_view(team_id, period=self.period.value)
        except (AccessDenied, StoreError) as exc:
            self.view.clear()
            self.status.say(plain_refusal(exc), kind="error", heading="You cannot see this")
            return None
        try:
            calibration = self.sup.team_calibration(team_id)
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("could not read the team's calibration (reference %s)", ref)
            calibration = None
        self.view.show(view, calibration, self.rubric, draw=draw)
        return view

    # -- setting up ----------------------------------------------------------------------------
    @safe_callback(_report, "creating the team")
    def _on_create(self, form: Any) -> None:
        self.create_team()

    @form_call("create_form", "the team")
    def create_team(self) -> Any:
        form = self.create_form
        form.clear_problems()
        team = self.sup.create_team(form.value)
        form.reset()
        self.refresh_teams()
        self.team.value = team.id
        form.say(f"Team {team.name} is created, led by you. Add its members above.")
        return team

    @safe_callback(_report, "adding the person")
    def _on_member(self, form: Any) -> None:
        self.add_member()

    @form_call("member_form", "the change")
    def add_member(self) -> Any:
        form = self.member_form
        form.clear_problems()
        data = form.value
        if data["team_id"] is None:
            form.show_problems([PageProblem("team", "no team chosen", "choose the team")],
                               "the change")
            return None
        team = self.sup.add_team_member(data["team_id"], data["username"],
                                        supervisor=data["supervisor"])
        form.reset()
        self.refresh_teams()
        form.say(f"{data['username']} is added to {team.name}.")
        return team


def _roster_html(team: Any) -> str:
    rows = "".join(f"<tr><th scope='row'>{esc(m.username)}</th>"
                   f"<td>{esc(m.supervisor or 'Not assigned')}</td></tr>" for m in team.members)
    body = (f"<table class='rso-table rso-roster'><caption>Team {esc(team.name)}</caption>"
            "<thead><tr><th scope='col'>Person</th><th scope='col'>Supervisor</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>") if team.members else (
        f"<p>Team {esc(team.name)} has nobody in it yet.</p>")
    return body


def team_quality(store: Store | None = None) -> w.Widget:
    """Build the team quality page. Returns the widget (the notebook's last expression shows it).

    `store` defaults to the configured database, acting as `current_user()`. A readable message
    replaces a traceback if the page cannot be built."""
    try:
        if store is None:
            store = stores.open_store()  # looked up when called (tests replace it)
        return TeamQualityApp(store)
    except Exception as exc:
        return could_not_start("The team quality workbook", exc)
