"""The service's start page: every app, grouped by who it is for, built from `APPS` (one line per
app), and the handlers that serve it in place of Voilà's file list.

The page is a Jinja2 template of the `rso` Voilà template (`start.html`, autoescaped) with the
same stylesheet as the app pages. Voilà's tree pages and its contents API (the raw file list) are
answered with 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

TEMPLATE_ROOT = Path(__file__).resolve().parent / "jupyter"  # a Jupyter data dir (JUPYTER_PATH)
TEMPLATE_DIR = TEMPLATE_ROOT / "nbconvert" / "templates" / "rso"  # see app.py
SERVICE_NAME = "RSO Workbook"

PRACTISE = "Practise"
WORKSHOP = "Run or join a workshop"
ASSESS = "Assess"
SUPERVISE = "Supervise and lead"
AUDIENCES = (PRACTISE, WORKSHOP, ASSESS, SUPERVISE)


@dataclass(frozen=True)
class App:
    title: str
    purpose: str
    audience: str
    notebook: str
    saves_drafts: bool = False  # answers autosaved, so a reloaded page brings them back
    page: str = ""  # a page of the server itself (below its base URL), not a notebook


APPS: tuple[App, ...] = (
    App("RM2000 calculator", "Score Risk Matrix 2000 from the facts of a case and see the "
        "working line by line.", PRACTISE, "rm2000_calculator.ipynb"),
    App("RM2000 practice", "Score a fictional training case and compare your answers with the "
        "expert key, item by item.", PRACTISE, "rm2000_practice.ipynb"),
    App("ARMS practice", "Rate ARMS and write a risk management plan for a fictional case, then "
        "compare them with the key.", PRACTISE, "arms_practice.ipynb"),
    App("Calibration record", "Your calibration over time, re-tests of unseen cases and your "
        "certificate; for trainers, who is due for a re-test.", PRACTISE,
        "calibration_record.ipynb"),
    App("Join a workshop", "Join your trainer's workshop with its code and score the cases on "
        "your own.", WORKSHOP, "",
        saves_drafts=True, page="room/"),
    App("Join a workshop (notebook page)", "The same workshop as a notebook page with "
        "widgets. Use it only if your trainer asks you to.", WORKSHOP, "workshop.ipynb",
        saves_drafts=True),
    App("Run a workshop", "Choose the cases, give trainees the join code and see how the room "
        "agrees.", WORKSHOP, "trainer_dashboard.ipynb"),
    App("Write a training case", "For trainers: write a fictional case of your own, checked "
        "as you type, for practice and workshops.", WORKSHOP, "case_editor.ipynb"),
    App("ARMS assessment", "Assess a person: RM2000, ARMS with evidence and a risk management "
        "plan, kept as a draft as you go.", ASSESS, "arms_assessment.ipynb", saves_drafts=True),
    App("Assessment records", "Find a person's record, see each version and what changed, sign "
        "off and file a report.", ASSESS, "live_assessment.ipynb", saves_drafts=True),
    App("Supervision", "Record supervision sessions led by your agenda, observations of practice, "
        "a diary and goals.", SUPERVISE, "supervision.ipynb"),
    App("Values reflection", "Think through your beliefs about change and public protection, "
        "privately, and see how your answers change.", SUPERVISE, "values_reflection.ipynb"),
    App("Team quality", "For team leads: the quality of the team's plans, calibration and "
        "supervision held against due.", SUPERVISE, "team_quality.ipynb"),
)


def apps_by_audience(apps: tuple[App, ...] | None = None) -> list[tuple[str, list[App]]]:
    """The apps (`APPS` unless given) in groups, in the order of `AUDIENCES`; a group with no
    app is left out."""
    apps = APPS if apps is None else apps
    return [(a, [app for app in apps if app.audience == a]) for a in AUDIENCES
            if any(app.audience == a for app in apps)]


def saves_drafts(notebook: str) -> bool:
    """True if the app served from `notebook` (a file name or path) autosaves drafts."""
    name = notebook.rsplit("/", 1)[-1]
    return bool(name) and any(app.notebook == name and app.saves_drafts for app in APPS)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
                              autoescape=True)


def render_page(name: str, base_url: str, **values: object) -> str:
    """One of the template's own pages (`start.html`, `not-found.html`) as HTML."""
    return _environment().get_template(name).render(
        service=SERVICE_NAME, base_url=base_url,
        static=url_path_join(base_url, "voila/templates/rso/static"), **values)


def render_start_page(base_url: str, render_prefix: str) -> str:
    """The start page's HTML: links go to `base_url` + `render_prefix` + notebook."""
    return render_page("start.html", base_url, groups=apps_by_audience(),
                       link=lambda app: url_path_join(base_url, app.page) if app.page
                       else url_path_join(base_url, render_prefix, app.notebook))


class _PageHandler(JupyterHandler):
    """A page of ours: errors shown as our own page, never Jupyter Server's error template
    (which standalone Voilà cannot render)."""

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        if status_code == 404:
            self.finish(render_page("not-found.html", self.base_url))
        else:
            self.finish(f"<!DOCTYPE html><title>{status_code}</title><p>Error {status_code}.</p>")


class StartPageHandler(_PageHandler):
    """GET the start page (authenticated as Voilà's own pages)."""

    def initialize(self, render_prefix: str = "voila/render") -> None:
        self.render_prefix = render_prefix

    @web.authenticated
    def get(self) -> None:
        _ = self.xsrf_token  # the pages' lifecycle calls need the _xsrf cookie
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(render_start_page(self.base_url, self.render_prefix))


class NoFileListHandler(_PageHandler):
    """Voilà's file list and contents API: not served (404)."""

    def get(self, *args: object, **kwargs: object) -> None:
        raise web.HTTPError(404)


def start_page_handlers(base_url: str, render_prefix: str = "voila/render"
                        ) -> list[tuple[str, type, dict] | tuple[str, type]]:
    """The start page at `base_url`, and 404 for Voilà's tree pages and contents API."""
    return [
        (base_url, StartPageHandler, {"render_prefix": render_prefix}),
        (url_path_join(base_url, "voila/tree") + r"(?:/.*)?", NoFileListHandler),
        (url_path_join(base_url, "voila/api/contents") + r"(?:/.*)?", NoFileListHandler),
    ]
