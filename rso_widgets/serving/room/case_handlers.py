"""The room page's case handlers: the case file and its scoring form, check your answers,
submit, the autosave endpoint and the feedback. Plain forms with POST/redirect/GET (works without
JavaScript): "Add another note" and "Remove" are submit buttons of the scoring form, which keep
the answers as the draft and show the case again at the row. Store calls run in the room's
thread pool (`Room.run`), never on the event loop."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from tornado import web

from ...calibration.workshop.answers import OWN_FIELDS, OWN_MODES
from ...instruments.record import FLAGS, disposal_options
from ...store.errors import DraftConflict
from . import flow, revisions
from .arms_forms import NOTES_MAX
from .forms import Problem, errors_by_field, wrong_parts
from .history_forms import ROWS_MAX
from .page_base import RoomHandler
from .session import Room


def error_values(found: list[Problem]) -> dict[str, Any]:
    """What a page's template needs to show these problems: the summary, each field's message
    and a date's parts at fault."""
    return {"problems": found, "errors": errors_by_field(found), "wrong": wrong_parts(found)}


class _CaseHandler(RoomHandler):
    def based_on(self, page: flow.CasePage, form: dict[str, str]) -> None:
        """The draft revision the posted page was built from, kept on `page` (400 if no page
        of ours could have sent it)."""
        value = form.pop(revisions.FIELD, None)
        try:
            revisions.expected(value)
        except revisions.BadRevision as exc:
            raise web.HTTPError(400, "unreadable draft revision") from exc
        page.based_on = value

    async def case_page(self, case_id: str) -> flow.CasePage | None:
        j = await self.joined([case_id])
        if j is None:
            self.redirect(self.room_url)
            return None
        page = await self.room.run(flow.open_case, self.room, j, case_id)
        if page is None:
            raise web.HTTPError(404)
        return page

    def show_case(self, page: flow.CasePage, found: list[Problem], *, add: str = "",
                  removed: str = "", conflict: str = "") -> None:
        """The case page, with these problems (its title then starts "Error:"); `add`: the
        factor shown with one more empty evidence row, `removed`: the one a row left;
        `conflict`: why the posted answers (shown again, never cleared) were not saved."""
        title = f"{page.case.id}: {page.case.title}"
        self.render_page("room_case.html", title=f"Error: {title}" if found or conflict
                         else title, status=409 if conflict else 200, conflict=conflict,
                         conflict_title=revisions.TITLE,
                         page=page, add=add, removed=removed, notes_max=NOTES_MAX,
                         history_max=ROWS_MAX,
                         **error_values(found), **_case_values(self.room, page))


def _case_values(room: Room, page: flow.CasePage) -> dict[str, Any]:
    """What the case page's template needs beside the page."""
    # the case file's renderer is the widget page's (escaped HTML); its module loads
    # ipywidgets, so it is imported when a case is first shown, not when the server starts
    from ...widgets.case_file import render_case_file

    rs = page.rs
    assert rs.s.step2 is not None
    return {"case_file": Markup(room.case_file(page.case, render_case_file)),
            "factors": rs.s.step2.factors,
            "own_modes": OWN_MODES, "own_fields": OWN_FIELDS, "flags": FLAGS,
            "disposals": disposal_options(rs.counting.counted_disposals),
            "categories": [(c, c) for c in rs.categories]}


class CaseHandler(_CaseHandler):
    """GET: the case file and the scoring form. POST: keep the answers as the draft, then
    check your answers (or the form again, with every problem); or, for "Add another note"
    and "Remove" (`rso_action`), keep the answers as the draft and show the form again at the
    evidence row."""

    @web.authenticated
    async def get(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is not None:
            self.show_case(page, [], add=self.get_query_argument("add", ""),
                           removed=self.get_query_argument("removed", ""))

    @web.authenticated
    async def post(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is None:
            return
        form = self.posted()
        action = form.pop("rso_action", "")
        self.based_on(page, form)
        try:
            if action:
                query, anchor = await self.room.run(flow.save_action, self.room, page, form,
                                                    action)
                self.redirect(self.url("case", case_id) + (f"?{query}" if query else "")
                              + (f"#{anchor}" if anchor else ""))
                return
            found = await self.room.run(flow.save_and_check, self.room, page, form)
        except DraftConflict as conflict:  # the posted answers again, with the stale revision
            page.revision = page.based_on or revisions.NONE
            self.show_case(page, [], conflict=revisions.message(conflict))
            return
        if found:
            self.show_case(page, found)
            return
        self.redirect(self.url("case", case_id, "check"))


class CheckHandler(_CaseHandler):
    """GET: check your answers. POST: submit them."""

    @web.authenticated
    async def get(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is None:
            return
        found = await self.room.run(flow.check_only, self.room, page)
        if found:  # e.g. opened by its address before the form was completed
            self.show_case(page, found)
            return
        self.render_page("room_check.html", title=f"Check your answers: {page.case.id}",
                         page=page, refused="")

    @web.authenticated
    async def post(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is None:
            return
        self.based_on(page, self.posted())
        try:
            outcome = await self.room.run(flow.submit, self.room, page)
        except DraftConflict as conflict:  # changed since the check page: the latest to check
            page = await self.case_page(case_id)
            if page is None:
                return
            self.render_page("room_check.html", status=409, title=f"Not submitted: {case_id}",
                             page=page, refused=revisions.message(conflict, submitting=True))
            return
        if outcome.problems:
            self.show_case(page, outcome.problems)
        elif outcome.refused:
            page = await self.case_page(case_id)  # the workshop's new state
            self.render_page("room_check.html", status=409,
                             title=f"Not submitted: {case_id}", page=page,
                             refused=outcome.refused)
        else:
            self.redirect(self.url("cases") + "?submitted=" + case_id)


class DraftHandler(_CaseHandler):
    """POST (room.js, a moment after each change): keep the form as the draft. JSON answer."""

    @web.authenticated
    async def post(self, case_id: str) -> None:
        j = await self.joined([case_id])
        if j is None:
            raise web.HTTPError(403, "join the workshop first")
        page = await self.room.run(flow.open_case, self.room, j, case_id)
        if page is None:
            raise web.HTTPError(404)
        form = self.posted()
        self.based_on(page, form)
        try:
            saved = await self.room.run(flow.autosave, self.room, page, form)
            answer: dict[str, Any] = {"saved": saved,
                                      "revision": page.revision if saved else None}
        except DraftConflict as conflict:  # nothing kept: room.js stops and says why
            answer = {"saved": False, "conflict": True, "title": revisions.TITLE,
                      "message": revisions.message(conflict)}
        self.finish_json(answer)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish_json({"saved": None, "error": status_code})


class FeedbackHandler(_CaseHandler):
    """GET: feedback on the submitted answers, once the key is released."""

    @web.authenticated
    async def get(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is None:
            return
        body, problems = await self.room.run(flow.feedback, self.room, page)
        self.render_page("room_feedback.html", title=f"Your feedback: {case_id}", page=page,
                         body=Markup(body) if body else "", feedback_problems=problems)
