"""The room page's base handler: its templates (Jinja2, autoescaped, compiled once), the posted
form read within bounds, the trainee's membership re-read through the store, and a friendly page
for any failure (logged, never a traceback).

Every POST is checked for Jupyter Server's XSRF token (`JupyterHandler.prepare`); every page is
authenticated as Voilà's own pages (`web.authenticated`)."""

from __future__ import annotations

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

from ...instruments.arms import note_label
from ...timefmt import clock_text
from ..start_page import SERVICE_NAME, TEMPLATE_DIR
from . import flow
from .session import Membership, Room, default_room, forget_membership, read_membership

log = logging.getLogger("rso_widgets.serving.room")

ROOM_TEMPLATES = Path(__file__).resolve().parent / "templates"
FIELD_MAX = 20_000  # characters in one posted field (the longest text allowed is 4,000)
# fields in one posted form: the ARMS form has about 110, and 2 more for each evidence note
# (at most 10 a factor can be added here; more typed on the widget page are shown too)
FIELDS_MAX = 800


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(ROOM_TEMPLATES)),
                                    jinja2.FileSystemLoader(str(TEMPLATE_DIR))]),
        autoescape=True, auto_reload=False)  # compiled once: templates are code, not data
    env.filters["zip_pairs"] = lambda values: [(v, v) for v in values]
    env.globals["note_label"] = note_label  # "R4 evidence note 2", as the widget page says
    env.filters["clock"] = clock_text  # times as every page shows them: UK time, "3:05pm"
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

    def finish_json(self, data: Any) -> None:
        """An answer for room.js (the status poll, the autosave): JSON, never cached."""
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))

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
