"""What the workshop's two pages share: the notes shown on them, their style, download links,
and how a page is started (the user, the shipped cases and the store filled in when not given;
a failure shown as a friendly message). The pages: `workshop_trainer.py` (the trainer's
dashboard) and `workshop_trainee.py` (the trainee's page, with `workshop_answers.py`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import ipywidgets as w

from ..widgets.download import data_link
from ..widgets.fields import Notice, esc

if TYPE_CHECKING:
    from ..cases.schema import TrainingCase
    from ..store import CohortRecord, Store

NOTE = ("All cases are fictional: the people, places and events are invented for training.")
TRAINER_NOTE = ("The room's results are anonymous on this screen (Rater 1, Rater 2, …). "
                "Names show only if you turn them on; turn them off again before sharing your "
                "screen. Statistics inform your judgement and the debrief; they certify nobody.")
TRAINEE_NOTE = ("Score each case on your own, as you would for real. Your answers are kept as "
                "a draft as you go. Nobody sees the key until the trainer releases it; then "
                "your feedback appears here.")
REFRESH_SECONDS = 10
CHECK_SECONDS = 20
AUTOSAVE_SECONDS = 2.0
DOWNLOAD_LIMIT = 5_000_000  # bytes: larger files are only written to the exports folder


TRAINEE_NOTEBOOK = "workshop.ipynb"  # the notebook page, beside the trainer's own notebook


def trainee_address(page: str, env: Mapping[str, str] | None = None) -> str | None:
    """The address trainees open for `page` ("room": `<base URL>room/`; "notebook": the
    trainee notebook beside this one), from this page's own address as Voilà gave it to the
    kernel (`VOILA_REQUEST_URL`, `VOILA_BASE_URL`). Under JupyterHub each trainee has a
    server of their own: the hub's `user-redirect` takes them to theirs. None when not served
    by Voilà (JupyterLab, a test)."""
    env = os.environ if env is None else env
    request, base = env.get("VOILA_REQUEST_URL", ""), env.get("VOILA_BASE_URL", "")
    u = urlsplit(request)
    if not (u.scheme in ("http", "https") and u.netloc and base.startswith("/")
            and u.path.startswith(base)):
        return None
    mine = u.path[len(base):]  # e.g. voila/render/trainer_dashboard.ipynb
    rel = "room/" if page != "notebook" else (
        mine.rsplit("/", 1)[0] + "/" + TRAINEE_NOTEBOOK if "/" in mine else TRAINEE_NOTEBOOK)
    hub = env.get("JUPYTERHUB_SERVICE_PREFIX")
    if hub and base.rstrip("/") == hub.rstrip("/"):
        base = env.get("JUPYTERHUB_BASE_URL", "/").rstrip("/") + "/hub/user-redirect/"
    return urlunsplit((u.scheme, u.netloc, base.rstrip("/") + "/" + rel, "", ""))


def where_trainees_join(cohort: CohortRecord) -> str:
    """Where trainees join this workshop, as HTML: the page the trainer chose and its address
    (a link, when this page was served by Voilà)."""
    notebook = cohort.trainee_page == "notebook"
    url = trainee_address(cohort.trainee_page)
    link = f' (<a href="{esc(url)}">{esc(url)}</a>)' if url else ""
    if notebook:
        return ("Trainees join on the notebook page: they open this service's start page and "
                f"choose Join a workshop (notebook page){link}, then type the code and a "
                "display name.")
    return ("Trainees join on the workshop page: they open this service's start page and "
            f"choose Join a workshop{link}, then type the code and a display name.")


def report_problem(app: w.Widget, message: str) -> None:
    """Show a callback's failure on the page (`safe_callback` logs it)."""
    failure: Notice = app.failure  # type: ignore[attr-defined]
    failure.say(message, kind="error", heading="Sorry, there is a problem")


def note(text: str) -> w.HTML:
    return w.HTML(f'<p class="rso-note">{esc(text)}</p>')


def download_link(path: Path, label: str, mime: str) -> str:
    """A list item: an `<a download>` link carrying the file (small files only), or its path."""
    size = path.stat().st_size
    if size > DOWNLOAD_LIMIT:
        return f"<li>{esc(label)}: saved as <code>{esc(path)}</code> (too large to download " \
               "here)</li>"
    link = data_link(path.name, path.read_bytes(), mime, f"Download {label}")
    return f"<li>{link} (also saved as <code>{esc(path)}</code>)</li>"


def default_exports_dir() -> Path:
    # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
    from ..settings import get_settings

    return Path(get_settings().data_dir) / "exports"


def load_cases() -> list[TrainingCase]:
    # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
    from ..cases import load_cases as load

    return load()


def open_store(user: str) -> Store:
    """The store, acting as the signed-in person (`user` is that person: `current_user()`)."""
    # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
    from ..store import open_store as open_

    return open_()


def start(app: type, what: str, store: Store | None, user: str | None,
           cases: Iterable[TrainingCase] | None, *, lazy: bool = False) -> w.Widget:
    """Fill in the user, the shipped cases and the store when not given (`lazy`: loaded and
    opened on first use), then build `app`; a failure shows a friendly message instead of a
    traceback."""
    try:
        if user is None:
            # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
            from ..store.identity import current_user

            user = current_user()
        if cases is None:
            cases = load_cases if lazy else load_cases()  # type: ignore[assignment]
        if store is None and lazy:
            # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
            from ..store.lazy import LazyStore

            store = LazyStore(lambda: open_store(user))  # type: ignore[assignment]
        elif store is None:
            store = open_store(user)
        return app(store, cases, user)
    except Exception as exc:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from .startup import could_not_start

        return could_not_start(what, exc)  # logs it too
