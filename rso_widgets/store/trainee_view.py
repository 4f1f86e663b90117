"""A trainee's side of a workshop in as few transactions as possible: entering it by its code
(one read, then the join or the rejoin's write), and their own workshop in one read (the
membership re-read as this store's user, the workshop, the member's submissions and the drafts a
page needs). The room page reads this once per request (`serving/room/flow.py`), the widget
trainee page on joining and on each refresh (`apps/workshop_trainee.py`), instead of one
transaction per record: each transaction is a connection checkout, a BEGIN and a COMMIT, which
were most of the room's server CPU."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..calibration.workshop import draft_key
from .base import _text
from .convert import _cohort, _draft, _member, _submission
from .errors import AccessDenied, NotFoundError
from .models import Cohort, CohortMember, CohortSubmission, Draft
from .records import CohortRecord, MemberRecord, TraineeView
from .workshops import WorkshopsMixin


class TraineeViewMixin(WorkshopsMixin):
    """What a trainee's workshop page reads, all at once."""

    def enter_cohort(self, join_code: str, display_name: str
                     ) -> tuple[CohortRecord, MemberRecord, bool]:
        """Join the workshop with this code under this display name, or rejoin it as this
        user's member of that name: (cohort, member, rejoined). The code and the name are
        looked up in one read, then one write: `join_cohort`'s, or `rejoin_cohort`'s audit
        entry. `NotFoundError`: no workshop has the code; `DuplicateNameError`: the name is
        another user's; `WorkshopClosed`/`JoinCodeExpired`: a new member refused."""
        code = str(join_code).strip().upper()
        name = _text(display_name, "display name", 100)
        with self._reading() as s:
            c = s.scalar(select(Cohort).where(Cohort.join_code == code))
            if c is None:
                raise NotFoundError(f"no workshop has join code {code!r}: check the code")
            known = s.scalar(select(CohortMember.id).where(
                CohortMember.cohort_id == c.id, CohortMember.display_name == name))
            cohort = _cohort(c)
        if known is not None:
            return cohort, self._rejoin(cohort.id, name), True
        return cohort, self.join_cohort(cohort.id, name), False

    def trainee_view(self, cohort_id: int, member_id: int, *,
                     drafts: Iterable[str] | None = None,
                     submissions: bool = True) -> TraineeView:
        """This user's membership `member_id` of workshop `cohort_id` with the workshop, the
        member's submissions (unless `submissions` is False) and this user's drafts of the cases
        in `drafts` (None: every case of the workshop; a case not in it is left out).

        Only the member's own user reads through this: another user's member is refused
        (`AccessDenied`, audited) — a trainer reads the room through `cohort_members` and
        `submissions`. `NotFoundError`: no such member in that workshop."""
        with self._reading() as s:
            row = s.execute(select(CohortMember, Cohort).join(
                Cohort, Cohort.id == CohortMember.cohort_id).where(
                CohortMember.id == member_id, CohortMember.cohort_id == cohort_id)).first()
            if row is None:
                raise NotFoundError(f"no member {member_id} in workshop cohort {cohort_id}")
            m, c = row
            if m.username != self.user:
                raise AccessDenied("You may not open another trainee's workshop page: each "
                                   "trainee sees only their own answers.", action="view",
                                   entity="cohort_member", entity_id=m.id, cohort_id=cohort_id)
            subs: tuple = ()
            if submissions:
                subs = tuple(_submission(x) for x in s.scalars(
                    select(CohortSubmission).where(CohortSubmission.cohort_id == c.id,
                                                   CohortSubmission.member_id == m.id)
                    .order_by(CohortSubmission.id)))
            wanted = list(c.case_ids) if drafts is None else [
                cid for cid in dict.fromkeys(drafts) if cid in c.case_ids]
            keys = {draft_key(c.id, m.id, cid): cid for cid in wanted}
            found: dict[str, object] = dict.fromkeys(wanted)
            if keys:
                for d in s.scalars(select(Draft).where(Draft.username == self.user,
                                                       Draft.key.in_(list(keys)))):
                    found[keys[d.key]] = _draft(d)
            return TraineeView(_cohort(c), _member(m), subs, found)  # type: ignore[arg-type]
