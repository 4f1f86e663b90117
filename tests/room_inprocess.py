"""The room page's handlers served in this process (no Voilà, no kernel), with the store's
transactions and SQL statements counted per request.

    with RoomServer(store) as srv:          # `store`: the one the room acts through
        b = srv.browser()
        b.get("")                            # GET <root>room/
        with srv.counting() as n:
            b.post("join", {"code": code, "name": "Alex"})
        n.transactions, n.statements         # what that request cost the store

    with counting(store) as n:               # any store calls (a widget page's), counted
        app.join_workshop(code, "Alex")

Jupyter Server's own checks stay on (XSRF on every POST, `web.authenticated`); only the
identity provider is a fixed signed-in user, as a token would give. Also used by
`scripts/room_requests.py` to time the requests (server CPU per request, before/after).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from jupyter_server.auth.authorizer import AllowAllAuthorizer
from jupyter_server.auth.identity import IdentityProvider, User
from sqlalchemy import event
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application

from rso_widgets.serving.room import room_handlers
from rso_widgets.serving.room.session import Room
from rso_widgets.store import Store


class SignedIn(IdentityProvider):
    """Every request is from the same signed-in user (the server's own, as on one machine)."""

    def get_user(self, handler: Any) -> User:
        return User("room.user")


@dataclass
class Counts:
    transactions: int = 0
    statements: int = 0


@contextmanager
def counting(store: Store) -> Iterator[Counts]:
    """Count `store`'s transactions (BEGINs) and SQL statements while the block runs, from
    any thread (SQLAlchemy's engine events): the room's requests, or a widget page's calls."""
    n = Counts()

    def on_begin(_conn: Any) -> None:
        n.transactions += 1

    def on_statement(*_args: Any) -> None:
        n.statements += 1

    event.listen(store.engine, "begin", on_begin)
    event.listen(store.engine, "before_cursor_execute", on_statement)
    try:
        yield n
    finally:
        event.remove(store.engine, "begin", on_begin)
        event.remove(store.engine, "before_cursor_execute", on_statement)


class RoomServer:
    """The room's routes on a Tornado server in a thread of this process."""

    def __init__(self, store: Store, room: Room | None = None) -> None:
        self.store = store
        self.room = room or Room(open_store=lambda: store)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="room-server")
        self.port = 0
        self.cookie_secret = b"room-inprocess-secret-0123456789"

    def counting(self) -> AbstractContextManager[Counts]:
        """Count the store's transactions and statements while the block runs."""
        return counting(self.store)

    def _serve(self) -> None:
        async def main() -> None:
            app = Application(room_handlers("/", self.room), base_url="/",
                              cookie_secret=self.cookie_secret,
                              xsrf_cookies=True, identity_provider=SignedIn(),
                              authorizer=AllowAllAuthorizer())
            sockets = bind_sockets(0, "127.0.0.1")
            self.port = sockets[0].getsockname()[1]
            server = HTTPServer(app)
            server.add_sockets(sockets)
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self._stop.wait()
            server.stop()

        asyncio.run(main())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def browser(self) -> RoomBrowser:
        return RoomBrowser(self.url + "room/")

    def __enter__(self) -> RoomServer:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the in-process room server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        if self.room._pool is not None:  # the store is the caller's: not closed here
            self.room._pool.shutdown(wait=False)


class RoomBrowser:
    """A trainee's browser without JavaScript: a cookie jar, forms posted with `_xsrf`."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.http = requests.Session()

    def get(self, path: str = "", **kw: Any) -> requests.Response:
        return self.http.get(self.root + path, timeout=60, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None,
             **kw: Any) -> requests.Response:
        if self.http.cookies.get("_xsrf") is None:
            self.get()
        body = {**(data or {}), "_xsrf": self.http.cookies.get("_xsrf")}
        return self.http.post(self.root + path, data=body, timeout=60, **kw)
