"""The room page's Tornado handlers: join, leave, the task list, the workshop's state as JSON,
the kit's stylesheet, and `room_handlers`, every route of the room page (the case pages are
`case_handlers.py`, the base handler `page_base.py`). Plain forms with POST/redirect/GET (works
without JavaScript); `room.js` only adds autosave, focus and polling the workshop's state
(`room/status`)."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import flow
from .case_handlers import CaseHandler, CheckHandler, DraftHandler, FeedbackHandler
from .page_base import RoomHandler
from .session import Room, forget_membership, write_membership

KIT_CSS = Path(__file__).resolve().parents[2] / "widgets" / "kit.css"
CASE_ID = r"(?P<case_id>[A-Za-z0-9][A-Za-z0-9._-]{0,63})"


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
        self.finish_json(found)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish_json({"state": None, "error": status_code})


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
