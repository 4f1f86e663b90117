"""Teams (roster and assigned supervisors) and each person's sharing consent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...supervision.models import TeamRecord
from ...supervision.validation import Problem, name_problems, raise_if
from .. import policy
from ..errors import AccessDenied, DuplicateNameError, NotFoundError
from ..models import SharingConsent, SupervisionSession, Team, TeamMember, utcnow
from ..roles import team_admins
from .base import SupervisionBase


class TeamsMixin(SupervisionBase):
    """Teams (roster and assigned supervisors) and each person's sharing consent."""

    # -- teams ---------------------------------------------------------------------------------

    def create_team(self, name: str, *, lead: str | None = None) -> TeamRecord:
        """A new team led by `lead` (default: you). Only `settings.team_admins` may create
        teams when that list is set."""
        admins = team_admins()
        lead = (lead or self.user).strip()
        raise_if(name_problems(name, "name", "team") + name_problems(lead, "lead", "team lead"),
                 "team")
        with self._guard("create", "team", None), self.store._writing() as s:
            if not policy.team_creatable(self.user, admins):
                raise AccessDenied(f"{self.user} may not create teams: ask one of the team "
                                   f"administrators ({', '.join(admins)})")
            if s.scalar(select(Team.id).where(Team.name == name.strip())) is not None:
                raise DuplicateNameError(f"a team called {name.strip()!r} already exists: "
                                         "choose another name")
            t = Team(name=name.strip(), lead=lead, created_by=self.user)
            s.add(t)
            s.flush()
            self._audit(s, "create", "team", t.id)
            return self._team_record(s, t)

    def add_team_member(self, team_id: int, username: str, *,
                        supervisor: str | None = None) -> TeamRecord:
        """Add a person to your team (team lead only), with their assigned supervisor."""
        raise_if(name_problems(username, "username", "team member"), "team member")
        if supervisor is not None:
            raise_if(name_problems(supervisor, "supervisor", "supervisor"), "team member")
            if supervisor.strip() == username.strip():
                raise_if([Problem("supervisor", "is the same person as the member",
                                  "name someone else as supervisor")], "team member")
        with self._guard("change", "team", team_id), self.store._writing() as s:
            t = self._team_for_lead(s, team_id)
            other = self._membership(s, username.strip())
            if other is not None:
                raise DuplicateNameError(f"{username.strip()} is already in a team "
                                         f"(team {other.team_id}): remove them there first")
            s.add(TeamMember(team_id=t.id, username=username.strip(),
                             supervisor=supervisor.strip() if supervisor else None,
                             added_by=self.user))
            s.flush()
            self._audit(s, "change", "team", t.id, added_member=True,
                        supervisor_set=supervisor is not None)
            return self._team_record(s, t)

    def set_supervisor(self, team_id: int, username: str, supervisor: str | None) -> TeamRecord:
        """Assign (or clear) a team member's supervisor (team lead only)."""
        if supervisor is not None:
            raise_if(name_problems(supervisor, "supervisor", "supervisor"), "team member")
        with self._guard("change", "team", team_id), self.store._writing() as s:
            t = self._team_for_lead(s, team_id)
            m = self._membership(s, username)
            if m is None or m.team_id != t.id:
                raise NotFoundError(f"{username} is not in team {t.name!r}")
            if supervisor is not None and supervisor.strip() == username:
                raise_if([Problem("supervisor", "is the same person as the member",
                                  "name someone else as supervisor")], "team member")
            m.supervisor = supervisor.strip() if supervisor else None
            self._audit(s, "change", "team", t.id, supervisor_set=supervisor is not None)
            return self._team_record(s, t)

    def remove_team_member(self, team_id: int, username: str) -> TeamRecord:
        with self._guard("change", "team", team_id), self.store._writing() as s:
            t = self._team_for_lead(s, team_id)
            m = self._membership(s, username)
            if m is None or m.team_id != t.id:
                raise NotFoundError(f"{username} is not in team {t.name!r}")
            s.delete(m)
            s.flush()
            self._audit(s, "change", "team", t.id, removed_member=True)
            return self._team_record(s, t)

    def team(self, team_id: int) -> TeamRecord:
        """A team's roster (who leads, who is in it, who supervises whom); the read is audited."""
        with self.store._writing() as s:
            record = self._team_record(s, self._get(s, Team, team_id, "team"))
            self._audit(s, "view", "team", record.id, members=len(record.members))
            return record

    def team_of(self, username: str | None = None) -> TeamRecord | None:
        """The team `username` (default: you) belongs to, if any (another person's: the read
        of that roster is audited, as `team`)."""
        who = username or self.user
        with self.store._reading() as s:
            m = self._membership(s, who)
            record = None if m is None else self._team_record(s, s.get(Team, m.team_id))
        if record is not None and who != self.user:
            with self.store._writing() as s:
                self._audit(s, "view", "team", record.id, members=len(record.members),
                            member=who)
        return record

    def teams_led(self) -> list[TeamRecord]:
        """The teams you lead, by name."""
        with self.store._reading() as s:
            return [self._team_record(s, t) for t in s.scalars(
                select(Team).where(Team.lead == self.user).order_by(Team.name, Team.id))]

    def supervisees(self) -> list[str]:
        """The people you supervise: assigned to you in a team roster, or the assessor of a
        session you took part in as supervisor (user names, sorted)."""
        with self.store._reading() as s:
            names = set(s.scalars(select(TeamMember.username).where(
                TeamMember.supervisor == self.user)))
            names |= set(s.scalars(select(SupervisionSession.assessor).where(
                SupervisionSession.supervisor == self.user)))
            return sorted(names - {self.user})

    def _team_for_lead(self, s: Session, team_id: int) -> Team:
        t = self._get(s, Team, team_id, "team")
        if not policy.roster_writable(self.user, self._team_record(s, t)):
            raise AccessDenied(f"only the team lead ({t.lead}) changes the roster of "
                               f"{t.name!r}")
        return t

    # -- consent -------------------------------------------------------------------------------

    def set_consent(self, share_individual: bool) -> bool:
        """Your own setting: may your team lead see your individual results? (default: no)"""
        if not isinstance(share_individual, bool):
            raise_if([Problem("share_individual", "must be yes (True) or no (False)",
                              "choose yes or no")], "consent")
        with self.store._writing() as s:
            c = s.get(SharingConsent, self.user)
            if c is None:
                c = SharingConsent(username=self.user)
                s.add(c)
            c.share_individual, c.changed_at = share_individual, utcnow()
            self._audit(s, "change", "consent", None, share_individual=share_individual)
            return share_individual

    def consent(self) -> bool:
        """Your current consent setting."""
        with self.store._reading() as s:
            return self._consent(s, self.user)
