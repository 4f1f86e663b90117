"""The room page's Tornado handlers: join, the task list, a case (case file and scoring form),
check your answers, submit, feedback, and the autosave endpoint. Plain forms with
POST/redirect/GET (works without JavaScript); `room.js` only adds autosave, focus and polling
the workshop's state (`room/status`).

Every POST is checked for Jupyter Server's XSRF token (`JupyterHandler.prepare`); every page is
authenticated as Voilà's own pages (`web.authenticated`). Store calls run in the room's thread
pool (`Room.run`), never on the event loop. A failure shows a friendly page and is logged."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from markupsafe import Markup
from tornado import web

from ...calibration.workshop.answers import OWN_FIELDS, OWN_MODES
from ..start_page import SERVICE_NAME, TEMPLATE_DIR
from . import flow
from .session import (
    Membership,
    Room,
    default_room,
    forget_membership,
    read_membership,
    write_membership,
)

log = logging.getLogger("rso_widgets.serving.room")

ROOM_TEMPLATES = Path(__file__).resolve().parent / "templates"
KIT_CSS = Path(__file__).resolve().parents[2] / "widgets" / "kit.css"
CASE_ID = r"(?P<case_id>[A-Za-z0-9][A-Za-z0-9._-]{0,63})"
FIELD_MAX = 20_000  # characters in one posted field (the longest text allowed is 4,000)
FIELDS_MAX = 400  # fields in one posted form (the ARMS form has about 110)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(ROOM_TEMPLATES)),
                                    jinja2.FileSystemLoader(str(TEMPLATE_DIR))]),
        autoescape=True, auto_reload=False)  # compiled once: templates are code, not data
    env.filters["zip_pairs"] = lambda values: [(v, v) for v in values]
    return env


class RoomHandler(JupyterHandler):
    """A room page: the room's state, templates, the trainee's membership."""

    def initialize(self, room: Room | None = None) -> None:
        self.room = room or default_room()

    @property
    def room_url(self) -> str:
        return url_path_join(self.base_url, "room/")

    def url(self, *parts: str) -> str:
        return url_path_join(self.room_url, *parts)

    def render_page(self, name: str, status: int = 200, **values: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        html = _environment().get_template(name).render(
            service=SERVICE_NAME, base_url=self.base_url, room=self.room_url, url=self.url,
            static=url_path_join(self.base_url, "voila/templates/rso/static"),
            xsrf=Markup(self.xsrf_form_html()), **values)
        self.finish(html)

    def compute_etag(self) -> str | None:
        """No ETag: every room page is `no-store` and the trainee's own, so hashing each
        response (Tornado's default) is work for nothing."""
        return None

    def posted(self) -> dict[str, str]:
        """The posted form (each field's last value); 400 for a form no page of ours sends."""
        names = list(self.request.body_arguments)
        if len(names) > FIELDS_MAX:
            raise web.HTTPError(400, "too many fields")
        form = {k: self.get_body_argument(k, "", strip=False) for k in names}
        if any(len(v) > FIELD_MAX for v in form.values()):
            raise web.HTTPError(400, "a field is too long")
        return form

    def membership(self) -> Membership | None:
        return read_membership(self)

    async def joined(self, drafts: list[str] | None = None, *,
                     submissions: bool = True) -> flow.Joined | None:
        """The trainee's membership, re-read through the store (None: join first), with their
        submissions and the drafts of `drafts` (case ids; None: every case), in one store
        transaction: what the page needs, read once."""
        m = self.membership()
        if m is None:
            return None
        found = await self.room.run(functools.partial(
            flow.load_joined, self.room, m, drafts, submissions=submissions))
        if found is None:
            forget_membership(self, self.room_url)
        return found

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 404:
            title, text = "Page not found", ("If you typed the web address, check it is "
                                             "correct.")
        elif status_code == 400:
            title, text = ("This form could not be read", "Something sent with it was too "
                           "long. Go back, shorten what you typed and try again.")
        elif status_code == 403:
            title, text = ("This form could not be sent", "The page was open for too long, "
                           "or it came from somewhere else. Go back, reload the page and try "
                           "again. Your draft is kept.")
        else:
            title, text = ("Sorry, there is a problem with the service", "Try again later. "
                           "Your answers are kept as a draft. If it happens again, tell your "
                           "trainer.")
        try:
            self.render_page("room_problem.html", status_code, title=title, text=text)
        except Exception:  # the template itself failed: plain words, still no traceback
            log.exception("the room's problem page failed")
            self.finish(f"<!DOCTYPE html><title>{title}</title><p>{title}.</p>")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, web.HTTPError):
            return super().log_exception(typ, value, tb)
        log.error("room page %s %s failed", self.request.method, self.request.uri,
                  exc_info=(typ, value, tb))


class JoinHandler(RoomHandler):
    """GET: the join form (or the task list once joined). POST: join."""

    @web.authenticated
    async def get(self) -> None:
        _ = self.xsrf_token
        if self.room._warming is None:  # the first join form: get ready for the joins
            self.room._warming = asyncio.ensure_future(self.room.run(self.room.warm))
        if await self.joined([], submissions=False) is not None:
            self.redirect(self.url("cases"))
            return
        self.render_page("room_join.html", title="Join a workshop", values={}, problems=[],
                         errors={})

    @web.authenticated
    async def post(self) -> None:
        form = self.posted()
        code, name = form.get("code", ""), form.get("name", "")
        result = await self.room.run(flow.join, self.room, code, name)
        if isinstance(result, list):  # every problem at once
            self.render_page("room_join.html", title="Error: Join a workshop",
                             values={"code": code, "name": name},
                             problems=result, errors={p.field: p.message for p in result})
            return
        write_membership(self, result.membership, self.room_url)
        self.redirect(self.url("cases") + ("?welcome=back" if result.rejoined else
                                           "?welcome=new"))


class LeaveHandler(RoomHandler):
    """POST: forget this browser's membership (the answers stay in the store)."""

    @web.authenticated
    def post(self) -> None:
        forget_membership(self, self.room_url)
        self.redirect(self.room_url)


class CasesHandler(RoomHandler):
    """GET: the workshop's cases as a task list."""

    @web.authenticated
    async def get(self) -> None:
        j = await self.joined()
        if j is None:
            self.redirect(self.room_url)
            return
        listing = await self.room.run(flow.task_list, self.room, j,
                                      self.get_query_argument("welcome", ""),
                                      self.get_query_argument("submitted", ""))
        self.render_page("room_cases.html", title=f"Workshop: {j.cohort.name}", j=j,
                         rows=listing.rows, state=listing.state,
                         state_key=listing.state_key, notice=listing.notice,
                         notice_title=listing.notice_title, room_url_self=self.url("cases"))


class _CaseHandler(RoomHandler):
    async def case_page(self, case_id: str) -> flow.CasePage | None:
        j = await self.joined([case_id])
        if j is None:
            self.redirect(self.room_url)
            return None
        page = await self.room.run(flow.open_case, self.room, j, case_id)
        if page is None:
            raise web.HTTPError(404)
        return page


def _case_values(room: Room, page: flow.CasePage) -> dict[str, Any]:
    """What the case page's template needs beside the page."""
    # the case file's renderer is the widget page's (escaped HTML); its module loads
    # ipywidgets, so it is imported when a case is first shown, not when the server starts
    from ...widgets.case_file import render_case_file

    rs = page.rs
    assert rs.s.step2 is not None
    return {"case_file": Markup(room.case_file(page.case, render_case_file)),
            "factors": rs.s.step2.factors,
            "own_modes": OWN_MODES, "own_fields": OWN_FIELDS,
            "categories": [(c, c) for c in rs.categories]}


class CaseHandler(_CaseHandler):
    """GET: the case file and the scoring form. POST: keep the answers as the draft, then
    check your answers (or the form again, with every problem)."""

    @web.authenticated
    async def get(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is not None:
            self.render_page("room_case.html", title=f"{page.case.id}: {page.case.title}",
                             page=page, problems=[], errors={}, **_case_values(self.room, page))

    @web.authenticated
    async def post(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is None:
            return
        form = self.posted()
        found = await self.room.run(flow.save_and_check, self.room, page, form)
        if found:
            self.render_page("room_case.html", title=f"Error: {page.case.id}: "
                             f"{page.case.title}", page=page, problems=found,
                             errors=flow.errors_by_field(found), **_case_values(self.room, page))
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
            self.render_page("room_case.html", title=f"Error: {page.case.id}: "
                             f"{page.case.title}", page=page, problems=found,
                             errors=flow.errors_by_field(found), **_case_values(self.room, page))
            return
        self.render_page("room_check.html", title=f"Check your answers: {page.case.id}",
                         page=page, refused="")

    @web.authenticated
    async def post(self, case_id: str) -> None:
        page = await self.case_page(case_id)
        if page is None:
            return
        outcome = await self.room.run(flow.submit, self.room, page)
        if outcome.problems:
            self.render_page("room_case.html", title=f"Error: {page.case.id}: "
                             f"{page.case.title}", page=page, problems=outcome.problems,
                             errors=flow.errors_by_field(outcome.problems),
                             **_case_values(self.room, page))
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
        saved = await self.room.run(flow.autosave, self.room, page, form)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"saved": saved}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"saved": None, "error": status_code}))


class StatusHandler(RoomHandler):
    """GET (room.js, every 15 s or so while the page is visible): the workshop's state as JSON,
    so a released key or a closed workshop is seen without reloading. 403 without a
    membership."""

    @web.authenticated
    async def get(self) -> None:
        j = await self.joined()
        if j is None:
            raise web.HTTPError(403, "join the workshop first")
        found = await self.room.run(flow.status, self.room, j)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(found))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"state": None, "error": status_code}))


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


class KitStyleHandler(JupyterHandler):
    """GET: the widget kit's stylesheet (`widgets/kit.css`, for the feedback tables), one file
    the browser keeps for an hour rather than 25 KB inlined in every room page."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/css; charset=UTF-8")
        self.set_header("Cache-Control", "public, max-age=3600")
        self.finish(_kit_css())


@lru_cache(maxsize=1)
def _kit_css() -> bytes:
    return KIT_CSS.read_bytes()


def room_handlers(base_url: str, room: Room | None = None) -> list[tuple[str, type, dict]]:
    """The room page's routes under `<base_url>room/`."""
    kw = {"room": room}
    r = url_path_join(base_url, "room")
    return [
        (r + "/?", JoinHandler, kw),
        (r + "/join", JoinHandler, kw),
        (r + "/leave", LeaveHandler, kw),
        (r + "/cases", CasesHandler, kw),
        (r + "/status", StatusHandler, kw),
        (r + "/kit.css", KitStyleHandler, {}),
        (r + f"/case/{CASE_ID}", CaseHandler, kw),
        (r + f"/case/{CASE_ID}/check", CheckHandler, kw),
        (r + f"/case/{CASE_ID}/draft", DraftHandler, kw),
        (r + f"/case/{CASE_ID}/feedback", FeedbackHandler, kw),
    ]
