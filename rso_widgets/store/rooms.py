"""The rooms expected now on the notebook page: the sizes trainers gave for their open workshops
whose trainees join on the notebook page (a kernel each), read without a user, without creating
or upgrading the database (the Voilà server sizes its pool of preheated trainee kernels from
this; see `serving/pool.py`). A room-page workshop needs no kernel per trainee: not counted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from ..calibration.workshop import NOTEBOOK_PAGE
from .db import database_url, make_engine
from .errors import StoreError
from .models import Cohort, CohortMember


def open_rooms(url: str | None = None, *,
               now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """(expected size, members joined) of each notebook-page workshop open now (not closed,
    join code not expired). Workshops without an expected size, and those whose trainees join
    on the room page (the default, and every workshop from before migration 0013), are left
    out. No database yet: []."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        engine = make_engine(url or database_url(), create=False)
    except StoreError:
        return []
    try:
        joined = (select(func.count(CohortMember.id))
                  .where(CohortMember.cohort_id == Cohort.id).scalar_subquery())
        q = (select(Cohort.expected_size, joined)
             .where(Cohort.is_open.is_(True), Cohort.expected_size.is_not(None),
                    Cohort.trainee_page == NOTEBOOK_PAGE,
                    or_(Cohort.expires_at.is_(None), Cohort.expires_at > now)))
        with engine.connect() as conn:
            return [(int(n), int(j or 0)) for n, j in conn.execute(q) if n]
    finally:
        engine.dispose()
