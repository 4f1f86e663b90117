"""Setting up a team: create a team you lead, and add people with their assigned supervisor.

Views only: `TeamCreateForm.value` is the name `store.supervision.create_team` takes (you lead
the team you create); `MemberForm.value` what `add_team_member` takes. Who may do this is the
store's rule (team administrators, team leads).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .supervision_forms import RecordForm, choice, heading, hint, text_box


class TeamCreateForm(RecordForm):
    """Create a team led by you."""

    submit_label = "Create the team"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = self.field("name", text_box(self.shared), "Team name",
                               "For example the unit or area. You will lead the team.",
                               size="medium")
        self.aliases["lead"] = "name"
        self._finish([heading("Create a team", 3), self.name])
        self.add_class("rso-team-create")

    @property
    def value(self) -> str:
        return self.name.control.value.strip()

    def reset(self) -> None:
        self.clear_problems()
        self.name.control.value = ""


class MemberForm(RecordForm):
    """Add a person to one of your teams, with their assigned supervisor."""

    submit_label = "Add to the team"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sh = self.shared
        self.team = self.field("team", choice([], sh), "Team", size="medium")
        self.username = self.field("username", text_box(sh), "Their user name",
                                   "As they sign in to the workbook.", size="medium")
        self.supervisor = self.field("supervisor", text_box(sh), "Their supervisor's user name "
                                     "(optional)", "The person who supervises them.",
                                     size="medium")
        self._finish([heading("Add a person to a team", 3),
                      hint("Each person decides for themselves whether you may see their own "
                           "results; until they agree you see anonymised team figures only."),
                      self.team, self.username, self.supervisor])
        self.add_class("rso-team-member")

    def set_teams(self, teams: Sequence[Any]) -> None:
        self.team.control.options = [(t.name, t.id) for t in teams]
        self.team.control.index = 0 if len(teams) == 1 else None
        self.layout.display = "" if teams else "none"

    @property
    def value(self) -> dict[str, Any]:
        return {"team_id": self.team.control.value,
                "username": self.username.control.value.strip(),
                "supervisor": self.supervisor.control.value.strip() or None}

    def reset(self) -> None:
        self.clear_problems()
        self.username.control.value = ""
        self.supervisor.control.value = ""
