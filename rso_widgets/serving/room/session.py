"""The room page's shared parts: who the trainee is (a signed cookie holding the workshop and the
member), the one store of the server process and the small thread pool its calls run in, and
the cases and the RM2000 ruleset, loaded once.

Identity is the widget page's: the store acts as `current_user()` of the server process, as a
kernel started by this server would (it inherits the same environment: `JUPYTERHUB_USER`, else
`RSO_USER`, else the computer's account); the store's own rules then decide, as on the widget
page. The cookie only says which membership this browser joined as; it is signed with the
server's `cookie_secret` (tampering refused), HttpOnly and SameSite=Strict, and every request
re-reads the member through the store, which refuses a member that is not the acting user's.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ...cases import load_cases
from ...cases.loader import case_files
from ...instruments.ruleset import load_rm2000_ruleset
from ...settings import get_settings
from . import forms

if TYPE_CHECKING:
    from tornado.web import RequestHandler

    from ...cases.schema import TrainingCase
    from ...instruments.ruleset import RM2000Ruleset
    from ...store import Store

log = logging.getLogger("rso_widgets.serving.room")

COOKIE = "rso_room"
COOKIE_DAYS = 1  # a workshop is a day at most; joining again with the same name resumes
STORE_THREADS = 4  # store calls run here, never on the event loop (SQLite writes queue anyway)
CASES_SECONDS = 30.0  # trainers' own cases added or edited while serving are seen after this

T = TypeVar("T")


@dataclass(frozen=True)
class Membership:
    """What the cookie says: this browser joined workshop `cohort_id` as member `member_id`."""

    cohort_id: int
    member_id: int

    def encode(self) -> str:
        return f"{self.cohort_id}:{self.member_id}"

    @classmethod
    def decode(cls, value: bytes | str | None) -> Membership | None:
        if not value:
            return None
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        parts = text.split(":")
        if len(parts) != 2 or not all(p.isdigit() and 0 < len(p) < 12 for p in parts):
            return None
        return cls(int(parts[0]), int(parts[1]))


def read_membership(handler: RequestHandler) -> Membership | None:
    """The membership of the request's signed cookie (None: absent, expired or tampered)."""
    return Membership.decode(handler.get_signed_cookie(COOKIE, max_age_days=COOKIE_DAYS))


def write_membership(handler: RequestHandler, m: Membership, path: str) -> None:
    handler.set_signed_cookie(COOKIE, m.encode(), expires_days=COOKIE_DAYS, path=path,
                              httponly=True, samesite="Strict",
                              secure=handler.request.protocol == "https")


def forget_membership(handler: RequestHandler, path: str) -> None:
    handler.clear_cookie(COOKIE, path=path)


def _open_store() -> Store:
    # deferred: SQLAlchemy + Alembic load when the store is first used, not at start
    from ...store import open_store

    return open_store()


def _load_cases() -> list[TrainingCase]:
    return load_cases()


def _case_folders_signature() -> tuple:
    """The case files' names, sizes and change times (training and trainers' own): a cheap
    look at whether a case was added or edited since the cases were loaded."""
    cfg = get_settings()
    out = []
    for folder in (cfg.training_cases_dir, cfg.local_cases()):
        try:
            files = case_files(folder) if Path(folder).is_dir() else []
            out += [(str(f), st.st_size, st.st_mtime_ns) for f in files
                    for st in (f.stat(),)]
        except OSError:  # a folder being changed: look again next time
            out.append((str(folder), -1, -1))
    return tuple(out)


def _case_hash(case: TrainingCase) -> str:
    return hashlib.sha256(case.model_dump_json().encode()).hexdigest()


def _load_ruleset() -> RM2000Ruleset:
    return load_rm2000_ruleset(get_settings().rm2000_ruleset)


@dataclass
class Room:
    """The room page's process-wide state: one store, the cases, the ruleset, a thread pool.
    Tests give their own `open_store`/`load_cases`."""

    open_store: Callable[[], Store] = _open_store
    load_cases: Callable[[], list[TrainingCase]] = _load_cases
    load_ruleset: Callable[[], RM2000Ruleset] = _load_ruleset
    cases_signature: Callable[[], Any] = _case_folders_signature
    threads: int = STORE_THREADS
    _store: Store | None = None
    _cases: dict[str, TrainingCase] | None = None
    _cases_at: float = 0.0
    _rs: RM2000Ruleset | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor | None = None
    _warming: Any = None
    _cases_sig: Any = None
    _case_hashes: dict[str, str] = field(default_factory=dict)
    _case_files: dict[tuple[str, str], str] = field(default_factory=dict)
    _labels: dict[str, str] | None = None

    @property
    def store(self) -> Store:
        """The store, opened on first use (in a pool thread)."""
        with self._lock:
            if self._store is None:
                self._store = self.open_store()
            return self._store

    @property
    def ruleset(self) -> RM2000Ruleset:
        with self._lock:
            if self._rs is None:
                self._rs = self.load_ruleset()
            return self._rs

    @property
    def labels(self) -> dict[str, str]:
        """The RM2000 facts' labels (words from the ruleset), worked out once."""
        if self._labels is None:
            self._labels = forms.labels(self.ruleset)
        return self._labels

    def cases(self, wanted: list[str] | None = None) -> dict[str, TrainingCase]:
        """The cases by id. At most every `CASES_SECONDS`, the case folders are looked at
        again; the cases are reloaded when a file was added or edited (a trainer's own case)
        or a wanted one is missing."""
        with self._lock:
            if self._cases is not None and (
                    time.monotonic() - self._cases_at <= CASES_SECONDS):
                return self._cases
            missing = self._cases is None or any(c not in self._cases for c in wanted or [])
            sig = self.cases_signature()
            self._cases_at = time.monotonic()
            if self._cases is None or missing or sig != self._cases_sig:
                cases = self.load_cases()
                self._cases = {c.id: c for c in cases}
                self._case_hashes = {c.id: _case_hash(c) for c in cases}
                self._cases_sig = sig
                self._case_files = {k: v for k, v in self._case_files.items()
                                    if self._case_hashes.get(k[0]) == k[1]}
            return self._cases

    def case_file(self, case: TrainingCase, render: Callable[[TrainingCase], str]) -> str:
        """The case file's HTML, drawn once per case and content (the same for every trainee:
        it holds nothing of theirs); an edited case is drawn again."""
        with self._lock:
            digest = self._case_hashes.get(case.id)
        key = (case.id, digest or _case_hash(case))
        with self._lock:
            html = self._case_files.get(key)
        if html is None:
            html = render(case)
            with self._lock:
                self._case_files[key] = html
        return html

    def warm(self) -> None:
        """Open the store, load the cases and the ruleset, import the case page's renderers:
        done once, in the pool, when the first join form is shown, so the first trainee to
        join does not wait for it."""
        try:
            # the widget renderers load ipywidgets: imported here, off the event loop, once
            from ...widgets import case_file, feedback  # noqa: F401

            _ = self.store, self.ruleset, self.labels, self.cases()
        except Exception:  # the pages say so when they need what failed; logged here
            log.exception("the room page could not get ready")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` (store calls, case loading) in the room's thread pool."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="rso-room")
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        if self._store is not None:
            self._store.close()


_ROOM: Room | None = None


def default_room() -> Room:
    """The server process's one `Room`."""
    global _ROOM
    if _ROOM is None:
        _ROOM = Room()
    return _ROOM
