"""Fixtures and record builders shared by the supervision store tests. A test module loads the
fixtures with `pytest_plugins = ("supervision_fixtures",)` and imports the builders directly:

    from supervision_fixtures import days, observation, session

`as_user("name")` gives a `SupervisionStore` acting as that user; every user works on the same
database, a fast copy of one migrated template per module. (No asserts here: PYTEST_DONT_REWRITE
keeps pytest from warning that the module was imported before it was loaded as a plugin.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import identities
import pytest

from rso_widgets.settings import get_settings
from rso_widgets.store import Store, db
from rso_widgets.store.supervision import SupervisionStore
from rso_widgets.supervision.validation import today_in_england

TODAY = today_in_england()
SKILLS = ("empathy", "warmth", "respect", "rewarding_progress", "directive_not_hostile",
          "explaining_purpose")
# every skill rated, with evidence where the level asks for it
OBS_RATINGS: dict[str, dict[str, str]] = {
    "empathy": {"level": "established", "evidence": "Reflected back the worry about work."},
    "warmth": {"level": "strong", "evidence": "Calm, friendly greeting at the door."},
    "respect": {"level": "established", "evidence": "Asked before sitting down."},
    "rewarding_progress": {"level": "emerging", "evidence": "Noted the new job only briefly."},
    "directive_not_hostile": {"level": "established", "evidence": "Returned to the plan."},
    "explaining_purpose": {"level": "not_seen"},
}
# every skill rated "established" with one word of evidence
RATINGS: dict[str, dict[str, str]] = {s: {"level": "established", "evidence": "seen"}
                                      for s in SKILLS}

AsUser = Callable[[str], SupervisionStore]


def days(n: int) -> dt.date:
    """Today (in England) plus `n` days."""
    return TODAY + dt.timedelta(days=n)


def observation(assessor: str = "alex", on: dt.date | None = None, **extra: Any
                ) -> dict[str, Any]:
    """A complete observation of `assessor` on a home visit (three days ago by default)."""
    return {"assessor": assessor, "observed_on": on or days(-3), "context": "home_visit",
            "ratings": OBS_RATINGS, "strengths": ["Warm, calm manner"],
            "development_points": ["Explain the purpose of the visit at the start"], **extra}


def session(held_on: dt.date | None = None, **extra: Any) -> dict[str, Any]:
    """A held session between Sam (supervisor) and Alex (assessor), yesterday by default."""
    return {"supervisor": "sam", "assessor": "alex", "held_on": held_on or days(-1), **extra}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory):
    """One migrated database per module; each test works on a copy (fast)."""
    path = tmp_path_factory.mktemp("template") / "wb.sqlite"
    identities.open_as(f"sqlite:///{path}", user="admin").close()
    return path


@pytest.fixture
def store_as(template, tmp_path, monkeypatch) -> Iterator[Callable[[str], Store]]:
    """store_as("name") -> a `Store` acting as that user, all on one fresh copy of the template
    (no JupyterHub user, no team admins or minimum group set, data dir in tmp_path)."""
    for name in ("JUPYTERHUB_USER", "RSO_TEAM_ADMINS", "RSO_TEAM_MIN_GROUP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    db.sqlite_copy(template, tmp_path / "wb.sqlite")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wb.sqlite'}")
    yield lambda user: identities.store_as(engine, user=user)
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def as_user(store_as) -> AsUser:
    """as_user("name") -> a SupervisionStore acting as that user, all on one database."""
    return lambda user: SupervisionStore(store_as(user))


@pytest.fixture
def team(as_user):
    """Team 'North': lead Lee; assessors Alex and Bo, both supervised by Sam. Val and Pat are
    outside the team."""
    lee = as_user("lee")
    t = lee.create_team("North")
    lee.add_team_member(t.id, "alex", supervisor="sam")
    lee.add_team_member(t.id, "bo", supervisor="sam")
    return t


@pytest.fixture
def north(team):
    """The same team as `team` (the name the access tests use)."""
    return team
