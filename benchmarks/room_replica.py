"""The floor of the room page's real-browser figures (`room_page.py`): the same pages, captured
from the running server after a real join, served as fixed bytes with the same headers by a bare
Tornado process (no store, no templates, no authentication, no XSRF check). The browser flow run
against it (open `room/`, type, Join, open the case) is the room page's flow with the server's
work taken out, so its p95 with N browsers at once is what the browsers themselves cost on this
machine, and the room page's p95 minus it is what the server adds.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PAGES = ("room/", "room/cases", "room/case/TC-01", "room/status")  # status: rso_room.js polls it
ASSET = re.compile(r'(?:href|src)="(/[^"#?]+\.(?:css|js))"')
KEPT = ("content-type", "cache-control", "etag", "last-modified")
SERVE = r"""
import json, sys
import tornado.ioloop, tornado.web

MANIFEST = json.load(open(sys.argv[1], encoding="utf-8"))

class Fixed(tornado.web.RequestHandler):
    def get(self, path):
        found = MANIFEST.get("/" + path)
        if found is None:
            raise tornado.web.HTTPError(404)
        for k, v in found["headers"].items():
            self.set_header(k, v)
        self.finish(found["body"].encode("utf-8"))

    def post(self, path):
        self.redirect("/room/cases?welcome=new", status=302)

tornado.web.Application([(r"/(.*)", Fixed)]).listen(int(sys.argv[2]), "127.0.0.1")
tornado.ioloop.IOLoop.current().start()
"""


def capture(url: str, code: str, xsrf: re.Pattern[str]) -> dict[str, dict]:
    """Path → {"headers", "body"} for the three pages (after a real join) and their assets."""
    out: dict[str, dict] = {}
    with httpx.Client(base_url=url, follow_redirects=True, timeout=60) as http:
        first = http.get(PAGES[0])  # the join form (after joining, room/ goes to the list)
        first.raise_for_status()
        token = xsrf.search(first.text).group(1)
        http.post("room/join", data={"_xsrf": token, "code": code, "name": "Replica Capture"})
        for path in PAGES:
            r = first if path == PAGES[0] else http.get(path)
            r.raise_for_status()
            out["/" + path] = {"headers": _kept(r), "body": r.text}
            for asset in ASSET.findall(r.text):
                if asset not in out:
                    a = http.get(asset)
                    a.raise_for_status()
                    out[asset] = {"headers": _kept(a), "body": a.text}
    return out


def _kept(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k.lower() in KEPT}


class Replica:
    """The captured pages served on a free local port by a separate process (`url`)."""

    def __init__(self, tmp: Path, url: str, code: str, xsrf: re.Pattern[str]):
        self.manifest = tmp / "room-replica.json"
        self.manifest.write_text(json.dumps(capture(url, code, xsrf)), encoding="utf-8")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Replica:
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE, str(self.manifest),
                                      str(self.port)])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + PAGES[0], timeout=2).raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("the room-page replica did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
